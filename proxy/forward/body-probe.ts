import type { Readable } from 'node:stream';
import type { RequestContext } from '../http/request-context.js';
import { requestBodyFraming } from '../http/request-body-framing.js';

/**
 * Methods whose requests usually have no body (Go's requestMethodUsuallyLacksBody): before sending such a body of
 * unknown length, Go's transport reads its first byte, so a stream that ends at once goes without one.
 */
const USUALLY_BODILESS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'PROPFIND', 'SEARCH']);

/** How long Go's transport waits for that first byte before it sends the body chunked anyway. */
const PROBE_MS = 200;

/**
 * Whether the body about to go upstream must be probed first: an HTTP/2 request of such a method whose stream
 * went on after its HEADERS without a length (its only source of a body of unknown length; HTTP/1.1 frames bodies).
 */
export function needsBodyProbe(ctx: RequestContext, body: Readable): boolean {
  return ctx.req.httpVersionMajor === 2 && USUALLY_BODILESS.has(ctx.method) && requestBodyFraming(ctx.req.headers) === null && body === ctx.req.bodyStream;
}

/**
 * Waits for the body's first chunk (put back, for the relay to send first) or its end, at most 200 ms: `done(true)`
 * when a body goes upstream (a chunk came, or none yet), `done(false)` when it ended empty. The body is left paused.
 */
export function probeBody(body: Readable, done: (hasBody: boolean) => void): void {
  if (body.readableEnded) {
    done(false);
    return;
  }
  let timer: NodeJS.Timeout | null = null;
  const finish = (hasBody: boolean, chunk: Buffer | null): void => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    // Paused before the listener goes: a chunk emitted with no 'data' listener would be lost.
    body.pause();
    body.off('data', onData);
    body.off('end', onEnd);
    if (chunk !== null) body.unshift(chunk);
    done(hasBody);
  };
  const onData = (chunk: Buffer): void => finish(true, chunk);
  const onEnd = (): void => finish(false, null);
  timer = setTimeout(() => finish(true, null), PROBE_MS);
  body.on('data', onData);
  body.once('end', onEnd);
}
