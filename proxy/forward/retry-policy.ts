import type { RequestContext } from '../http/request-context.js';

/**
 * A retry middleware's budget for one request: how many times the forwarder may retry a server it
 * could not connect to, and how long to wait first. Kept beside the context (not on it) so requests
 * without a retry middleware pay nothing, and looked up only when a connection failed.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (attempts - 1). */
  readonly retries: number;
  /** Delay before retry number `retry` (0 = the first retry), ms. */
  delayMs(retry: number): number;
}

const policies = new WeakMap<RequestContext, RetryPolicy>();

export function setRetryPolicy(ctx: RequestContext, policy: RetryPolicy): void {
  policies.set(ctx, policy);
}

export function retryPolicyOf(ctx: RequestContext): RetryPolicy | undefined {
  return policies.get(ctx);
}

const retried = new WeakMap<RequestContext, number>();

/** The forwarder retried under the request's retry policy (traefik_service_retries_total). */
export function noteRetry(ctx: RequestContext): void {
  retried.set(ctx, (retried.get(ctx) ?? 0) + 1);
}

/** Retries made under a retry middleware for this request so far. */
export function retriesOf(ctx: RequestContext): number {
  return retried.get(ctx) ?? 0;
}
