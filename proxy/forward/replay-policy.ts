// One rule for sending a request again after its connection was cut before any answer, used both by the
// upstream pool (a reused keep-alive connection that died) and by the forwarder (failover to another
// server). It is Go's (net/http Request.isReplayable): a method without side effects, or a request that
// carries an idempotency key; and never a body that was streamed (its bytes are gone).

import type { ForwardRequest } from './http1/exchange.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether a request whose body (if any) is held whole may be sent again. */
export function isReplayable(method: string, hasIdempotencyKey: boolean): boolean {
  return SAFE_METHODS.has(method) || hasIdempotencyKey;
}

/** The header names that mark a request as safe to repeat (lower-case). */
export const IDEMPOTENCY_KEY_HEADERS: readonly string[] = ['idempotency-key', 'x-idempotency-key'];

export function isIdempotencyKeyHeader(lowerName: string): boolean {
  return IDEMPOTENCY_KEY_HEADERS.includes(lowerName);
}

/** Whether a request on its way upstream may be sent again: replayable, and its body (if any) held whole, not streamed. */
export function forwardRequestReplayable(request: ForwardRequest): boolean {
  if (request.body !== null && !Buffer.isBuffer(request.body)) return false;
  return isReplayable(request.method, hasIdempotencyKey(request.headers));
}

function hasIdempotencyKey(flat: readonly string[]): boolean {
  for (let i = 0; i < flat.length; i += 2) if (isIdempotencyKeyHeader((flat[i] as string).toLowerCase())) return true;
  return false;
}
