import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from './request-context.js';

/** The headers that frame a message's body: what says where it ends is the body's, never a header edit's to change. */
export const BODY_FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding']);

/**
 * How a request head frames its body: 'chunked' (any Transfer-Encoding; node:http refuses the rest), the
 * Content-Length, or null when the head has neither (no body on HTTP/1.x; on HTTP/2 only the stream's end
 * tells). One reading for the forwarder and the upgrade path.
 */
export function requestBodyFraming(headers: IncomingHttpHeaders): 'chunked' | number | null {
  if (headers['transfer-encoding'] !== undefined) return 'chunked';
  const length = headers['content-length'];
  return length === undefined ? null : Number(length);
}

/**
 * Whether the request carries a body: framed by its head, or on HTTP/2 (no length needed) whenever its stream did
 * not end with its head, whatever the method: Go's HTTP/2 server gives such a request a body (a GET's included, which
 * its transport sends chunked to an HTTP/1.1 server), and http.NoBody only to a stream its HEADERS ended.
 */
export function hasRequestBody(ctx: RequestContext): boolean {
  const framing = requestBodyFraming(ctx.req.headers);
  // HTTP/2 bodies need no length header: only the end of the stream tells.
  if (framing === null) return ctx.req.httpVersionMajor === 2 && ctx.req.endedWithHead !== true;
  return framing === 'chunked' || framing > 0;
}
