import v8 from 'node:v8';
import vm from 'node:vm';

// node gives every read of an accepted socket (and every TLS or HTTP/2 decode) a new ArrayBuffer: net's `onread`,
// which reads into memory used again, is only for sockets the program connects itself. V8 frees young ArrayBuffers
// only when it collects the young generation, which a stream of reads triggers once they hold 32 MiB ("external
// memory pressure", twice V8's default semi-space whatever --max-semi-space-size says): a 100 MB upload grew RSS by
// about 35 MB, and the memory malloc gave back between transfers was faulted in again by the next. A minor
// collection every few MiB read keeps that garbage small, at about a millisecond each (young objects that live are
// few during a transfer). Only bulk bytes count: request bodies where each front reads them, and what a TCP relay
// reads with 'data' events; a request without a body never asks for a collection.

// 4 MiB, not 8: on node 24 (V8 13), 8 MiB of reads between collections was enough external memory for V8 to start
// marking its old generation during an upload, and each collection asked for meanwhile finished that marking, a full
// collection of 10-27 ms: four in three 100 MB uploads (`--trace-gc`), the process's CPU per upload doubled (helper
// threads), and the reads made while marking stayed until its end: 18-20 MB over idle (21 at worst) in
// large-bodies.bench.ts, at the goal's 20. With 4 MiB no marking starts: 7-10 MB (12) and half the CPU, for twice
// the collections of about a millisecond; node 20 marked neither way (8-9 MB over idle, 4-6 with 4 MiB).

/** Bytes read from clients between two young-generation collections asked by pe-edge. */
const COLLECT_EVERY = 4 * 1024 * 1024;

let sinceCollection = 0;
/** V8's `gc`, found at the first collection asked for; null when this node offers none (nothing is asked then). */
let collector: NodeJS.GCFunction | null | undefined;

/** Counts bytes of a request body or a relayed stream read into fresh memory; each COLLECT_EVERY of them, V8 collects its young generation. */
export function clientBytesRead(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < COLLECT_EVERY) return;
  sinceCollection = 0;
  collectorOnce()?.({ type: 'minor' });
}

/** clientBytesRead for a chunk a stream handed over untyped (node:http's `push`, a 'data' listener): bytes only. */
export function clientChunkRead(chunk: unknown): void {
  if (chunk instanceof Uint8Array) clientBytesRead(chunk.length);
}

// A fresh process's first full collection comes due just after start-up: V8 set its old-generation limit while
// modules were still loading, and the configuration and routing tables fill most of it. On node 24 (V8 13) an
// ArrayBuffer made while V8 marks stays until the next full collection, whatever scavenges find, and the first
// scavenge pe-edge asked for during a transfer started that marking: a first 100 MB upload kept 12-15 MB of its
// reads, and RSS its high-water mark, 22-26 MB over idle (node 20: 9-10). One full collection once start-up is done
// sets the limit from what stays, and V8's first marking no longer waits for the first transfer.

/** Asks V8 for one full collection of what start-up left, before the first connection. */
export function collectStartupGarbage(): void {
  collectorOnce()?.();
}

// node makes each HTTP/2 header name and value it decodes (but the static table's) an external string over nghttp2's
// memory, and V8 places external strings in its old generation: only a full collection frees them. V8 starts one
// for external memory only by incremental marking, which a proxy's small, busy heap may never finish: 8,000
// requests with 100 kB of headers each grew pe-edge's RSS by 955 MB, and growing (a bare node HTTP/2 server's by
// 1.7 GB after 16,000, external memory 1.6 GB). Every HEADER_CHECK_EVERY bytes of header fields, pe-edge reads V8's
// external memory and asks for a full collection once it has grown EXTERNAL_GROWTH since the last one asked for.
// Growth, not a level: external memory also counts ArrayBuffers in use (buffered bodies, up to 64 MiB), which a
// collection cannot free, and a level they hold up would make every check collect for nothing. 128 MiB: under the
// production path's load with a browser's cookie on every request, a 64 MiB level asked for a 45-60 ms full
// collection twice a second (6 kB cookie) and once a second (2 kB); 128 MiB of growth, one every 2.5-3.5 s. V8 counts
// each header string at its length even where node shares one nghttp2 buffer among them (a field HPACK indexed, such
// as a 2 kB cookie), so some of those collections free little. Waiting for RSS to grow as well let a flood of
// 100 kB heads reach 645 MB of RSS after 30,000 requests; counting external growth alone holds it near 230 MB.

/** Bytes of HTTP/2 header fields between two reads of V8's external memory. */
const HEADER_CHECK_EVERY = 8 * 1024 * 1024;
/** Growth of V8's external memory, since the last full collection pe-edge asked for, that asks for the next. */
const EXTERNAL_GROWTH = 128 * 1024 * 1024;

let headerBytesSinceCheck = 0;
/** V8's external memory right after the last full collection pe-edge asked for (0 before the first). */
let externalAfterCollection = 0;

/**
 * Counts the bytes of an HTTP/2 header block's fields (`rawHeaders`: names and values, alternating): every block node
 * decodes, a request's head and trailers, an upstream answer's interim heads, head and trailers.
 */
export function http2HeaderFieldsRead(rawHeaders: readonly string[]): void {
  let bytes = 0;
  for (let i = 0; i < rawHeaders.length; i++) bytes += (rawHeaders[i] as string).length;
  headerBytesSinceCheck += bytes;
  if (headerBytesSinceCheck < HEADER_CHECK_EVERY) return;
  headerBytesSinceCheck = 0;
  if (v8.getHeapStatistics().external_memory - externalAfterCollection < EXTERNAL_GROWTH) return;
  const collect = collectorOnce();
  if (collect === null) return;
  collect();
  externalAfterCollection = v8.getHeapStatistics().external_memory;
}

/**
 * `http2HeaderFieldsRead` as a listener of node's HTTP/2 header-block events ('trailers', 'headers', 'response'):
 * node passes the block's list as received (`rawHeaders`) after the fields and flags, which @types/node does not list.
 */
export function countHttp2HeaderBlock(_fields: unknown, _flags: number, rawHeaders?: string[]): void {
  if (rawHeaders !== undefined) http2HeaderFieldsRead(rawHeaders);
}

/** V8's `gc`, found the first time one is asked for. */
function collectorOnce(): NodeJS.GCFunction | null {
  if (collector === undefined) collector = findCollector();
  return collector;
}

/** `gc` of node's `--expose-gc`, else the same function from a context made while the flag is set for a moment. */
function findCollector(): NodeJS.GCFunction | null {
  if (isCollector(globalThis.gc)) return globalThis.gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const found: unknown = vm.runInNewContext('gc');
    return isCollector(found) ? found : null;
  } catch {
    return null;
  } finally {
    // Contexts made later (the vm module elsewhere) get no `gc` of their own.
    v8.setFlagsFromString('--no-expose-gc');
  }
}

function isCollector(value: unknown): value is NodeJS.GCFunction {
  return typeof value === 'function';
}
