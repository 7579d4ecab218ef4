import type { IncomingHttpHeaders } from 'node:http';

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
