// Traefik's label value rules for request metrics (pkg/middlewares/metrics/metrics.go).
import type { IncomingHttpHeaders } from 'node:http';

const KNOWN_METHODS = new Set(['HEAD', 'GET', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PRI']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `method`: the standard methods as sent, any other `EXTENSION_METHOD`, invalid UTF-8 `NON_UTF8_HTTP_METHOD`. */
export function methodLabel(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  // Node decodes the request line as latin1/UTF-8: a lone surrogate or U+FFFD is what invalid UTF-8 becomes.
  if (LONE_SURROGATE.test(method) || method.includes('\uFFFD')) return 'NON_UTF8_HTTP_METHOD';
  return 'EXTENSION_METHOD';
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
}

/** `protocol`: websocket, else sse, else grpc-web, else grpc, else http. */
export function protocolLabel(headers: IncomingHttpHeaders): string {
  if (header(headers, 'connection').toLowerCase().includes('upgrade') && header(headers, 'upgrade').toLowerCase().includes('websocket')) return 'websocket';
  if (header(headers, 'accept').toLowerCase().includes('text/event-stream')) return 'sse';
  const contentType = header(headers, 'content-type').toLowerCase();
  if (contentType.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType.startsWith('application/grpc')) return 'grpc';
  return 'http';
}

/**
 * `code`: the response status; for grpc and grpc-web the numeric `Grpc-Status` response header,
 * `2` (Unknown) when it is missing or not a number.
 */
export function codeLabel(protocol: string, status: number, grpcStatus: string | number | readonly string[] | undefined): string {
  if (protocol !== 'grpc' && protocol !== 'grpc-web') return statusText(status);
  const raw = Array.isArray(grpcStatus) ? grpcStatus[0] : grpcStatus;
  const n = typeof raw === 'number' ? raw : raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? String(n) : '2';
}

const STATUS_TEXT: string[] = [];
function statusText(status: number): string {
  return (STATUS_TEXT[status] ??= String(status));
}

/** `tls_version` from Node's `TLSv1.3`-style protocol name: `1.0|1.1|1.2|1.3|unknown`. */
export function tlsVersionLabel(protocol: string | null | undefined): string {
  switch (protocol) {
    case 'TLSv1':
      return '1.0';
    case 'TLSv1.1':
      return '1.1';
    case 'TLSv1.2':
      return '1.2';
    case 'TLSv1.3':
      return '1.3';
    default:
      return 'unknown';
  }
}
