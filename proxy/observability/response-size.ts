import type { RequestContext } from '../http/request-context.js';

/** Response body size for logs and metrics: the declared length, else the bytes relayed (chunked answers). */
export function responseBodySize(ctx: RequestContext): number {
  const declared = ctx.res.sentHeader('content-length');
  return declared !== undefined ? Number(declared) || 0 : ctx.bytesSent;
}

/**
 * Request body size for logs and metrics: the buffered body when a middleware read it, else the declared
 * Content-Length (a chunked body streamed to the upstream counts 0: pe-edge does not count streamed bytes).
 */
export function requestBodySize(ctx: RequestContext): number {
  if (ctx.body !== null) return ctx.body.length;
  const length = ctx.req.headers['content-length'];
  return length === undefined ? 0 : Number(length) || 0;
}
