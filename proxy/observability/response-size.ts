import type { RequestContext } from '../http/request-context.js';

/** Response body size for logs and metrics: the declared length, else the bytes relayed (chunked answers). */
export function responseBodySize(ctx: RequestContext): number {
  const declared = ctx.res.sentHeader('content-length');
  return declared !== undefined ? Number(declared) || 0 : ctx.bytesSent;
}
