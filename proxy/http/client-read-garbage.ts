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

/** Bytes read from clients between two young-generation collections asked by pe-edge. */
const COLLECT_EVERY = 8 * 1024 * 1024;

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

// node makes each HTTP/2 header name and value it decodes (but the static table's) an external string over nghttp2's
// memory, and V8 places external strings in its old generation: only a full collection frees them. V8 starts one
// for external memory only by incremental marking, which a proxy's small, busy heap may never finish: 16,000
// requests with 100 kB of headers each grew RSS by 1.7 GB (external memory 1.6 GB), and growing. Every
// HEADER_CHECK_EVERY bytes of header fields, pe-edge reads V8's external memory and asks for a full collection
// when it is over EXTERNAL_LIMIT: requests with ordinary heads are checked every ten thousand or so, at a few µs.

/** Bytes of HTTP/2 header fields between two reads of V8's external memory. */
const HEADER_CHECK_EVERY = 8 * 1024 * 1024;
/** External memory (header strings, ArrayBuffers) above which pe-edge asks for a full collection. */
const EXTERNAL_LIMIT = 64 * 1024 * 1024;

let headerBytesSinceCheck = 0;

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
  if (v8.getHeapStatistics().external_memory > EXTERNAL_LIMIT) collectorOnce()?.();
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
