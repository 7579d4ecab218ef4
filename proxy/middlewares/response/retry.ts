import type { Handler, RequestContext, RetryPolicy } from '../../http/request-context.js';

/** labels-spec `retry`, validated and defaulted (initialInterval in ms). */
export interface RetryOptions {
  attempts: number;
  initialInterval: number;
}

const MAX_INTERVAL_MS = 60_000;
const RANDOMIZATION = 0.5;

/**
 * cenkalti ExponentialBackOff as Traefik configures it: the multiplier 2^(1/(attempts-1)) makes the
 * last interval about twice the first; each wait is randomised ±50 %; intervals stop growing at 60 s.
 */
export function retryBackoff(attempts: number, initialIntervalMs: number, random: () => number = Math.random): (retry: number) => number {
  if (attempts < 2 || initialIntervalMs <= 0) return () => 0;
  const multiplier = 2 ** (1 / (attempts - 1));
  return (retry) => {
    const interval = Math.min(initialIntervalMs * multiplier ** retry, MAX_INTERVAL_MS);
    return interval * (1 - RANDOMIZATION + 2 * RANDOMIZATION * random());
  };
}

/**
 * Traefik's retry: up to attempts - 1 retries of a request no server received (connection
 * refused, dial errors), never of an answer (5xx included). pe-edge's forwarder does the retrying,
 * preferring another server: this middleware hands it the budget and backoff for the request.
 */
export function createRetry(options: RetryOptions, next: Handler): Handler {
  if (!Number.isInteger(options.attempts) || options.attempts <= 0) throw new Error(`retry.attempts must be greater than 0, got ${options.attempts}`);
  if (options.attempts === 1) return next;
  const policy: RetryPolicy = { retries: options.attempts - 1, delayMs: retryBackoff(options.attempts, options.initialInterval) };
  return (ctx: RequestContext): void => {
    ctx.retry = policy;
    next(ctx);
  };
}
