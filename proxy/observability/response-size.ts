import type { RequestContext } from '../http/request-context.js';

/**
 * A header of the response as sent. HTTP/2 keeps them readable; node:http's writeHead(status, headers)
 * does not store them, so the serialized header block is read instead.
 */
export function sentHeader(res: RequestContext['res'], name: string, pattern: RegExp): string | undefined {
  const v = res.getHeader(name);
  if (v !== undefined) return Array.isArray(v) ? v[0] : String(v);
  const raw = (res as unknown as { _header?: unknown })._header;
  if (typeof raw !== 'string') return undefined;
  return pattern.exec(raw)?.[1];
}

const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

/** Response body size for logs and metrics: the declared length, else the bytes relayed (chunked answers). */
export function responseBodySize(ctx: RequestContext): number {
  const declared = sentHeader(ctx.res, 'content-length', CONTENT_LENGTH);
  return declared !== undefined ? Number(declared) || 0 : ctx.bytesSent;
}
