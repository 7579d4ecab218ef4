/**
 * Whether the code running now was queued while the event loop read its sockets and runs in the check phase
 * that follows: every byte the sockets held when the loop polled them has been read, so an idle upstream
 * connection that received anything is gone and an HTTP/2 stream its client reset in the same read is closed.
 * The HTTP/2 front serves its new streams there (http2-front/http2-streams.ts); the HTTP/1.1 pool, which hands
 * out kept connections only at such a point, gives one at once to a request served there instead of one loop
 * turn later (forward/http1/http1-pool.ts). One flag for the process: it describes the loop's phase, not a request.
 */
let afterReads = false;

/** Runs `batch(a, b)` marked as following the loop's reads: only from a setImmediate queued while they ran. */
export function runAfterReads<A, B>(batch: (a: A, b: B) => void, a: A, b: B): void {
  afterReads = true;
  try {
    batch(a, b);
  } finally {
    afterReads = false;
  }
}

export function readsDone(): boolean {
  return afterReads;
}
