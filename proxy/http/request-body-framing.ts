import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from './request-context.js';

/** The headers that frame a message's body: what says where it ends is the body's, never a header edit's to change. */
export const BODY_FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding']);

/**
 * Whether an HTTP/1.1 request's Transfer-Encoding is one Go's server refuses (transfer.go, unsupportedTEError): more
 * than one field, or one that is not `chunked` (any case). node:http reads an empty value as no body and forgets a
 * coding listed before `chunked`: relayed, the backend would get another framing or body than the client sent.
 * Go ignores an HTTP/1.0 request's Transfer-Encoding, so it is not refused there.
 */
export function hasUnsupportedTransferEncoding(rawHeaders: readonly string[], httpVersionMajor: number, httpVersionMinor: number): boolean {
  if (httpVersionMajor !== 1 || httpVersionMinor < 1) return false;
  let fields = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== 17 || name.toLowerCase() !== 'transfer-encoding') continue;
    if (++fields > 1 || (rawHeaders[i + 1] as string).toLowerCase() !== 'chunked') return true;
  }
  return false;
}

/**
 * How a request head frames its body: 'chunked' (any Transfer-Encoding; node:http refuses most others, and
 * hasUnsupportedTransferEncoding the rest), the
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
