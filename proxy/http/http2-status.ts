import type { RequestContext } from './request-context.js';

/**
 * Whether `status` cannot be sent to this client: Go's servers write any three digits, node's HTTP/2 server refuses
 * a status above 599 (and resets the stream). A relayed status it refuses (a server's, forwardAuth's, circuitBreaker's
 * responseCode) is answered 502, Traefik's answer to a server answer it cannot relay, instead of a reset stream.
 */
export function http2Refuses(ctx: RequestContext, status: number): boolean {
  return status > 599 && ctx.req.httpVersionMajor === 2;
}
