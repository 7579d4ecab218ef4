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
/** V8's `gc`, found at the first COLLECT_EVERY bytes; null when this node offers none (nothing is asked then). */
let collector: NodeJS.GCFunction | null | undefined;

/** Counts bytes of a request body or a relayed stream read into fresh memory; each COLLECT_EVERY of them, V8 collects its young generation. */
export function clientBytesRead(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < COLLECT_EVERY) return;
  sinceCollection = 0;
  if (collector === undefined) collector = findCollector();
  collector?.({ type: 'minor' });
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
