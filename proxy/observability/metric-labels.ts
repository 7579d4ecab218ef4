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

/** grpc-go's codes.Code JSON names (strToCode), quotes included, by code. */
const GRPC_CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
const GRPC_CODES = new Map<string, string>([
  ...GRPC_CODE_NAMES.map((_, code) => [String(code), String(code)] as [string, string]),
  ...GRPC_CODE_NAMES.map((name, code) => [`"${name}"`, String(code)] as [string, string]),
]);

/**
 * `code`: the response status; for grpc and grpc-web the `Grpc-Status` response header as grpc-go's
 * Code.UnmarshalJSON reads it in Traefik: a code 0-16 (decimal, leading zeros allowed) or its quoted name, else `2`
 * (Unknown). A server's other values (`99999`, `1e3`) are Unknown too: each would be a series of its own.
 */
export function codeLabel(protocol: string, status: number, grpcStatus: string | number | readonly string[] | undefined): string {
  if (protocol !== 'grpc' && protocol !== 'grpc-web') return statusText(status);
  const raw = Array.isArray(grpcStatus) ? grpcStatus[0] : grpcStatus;
  if (raw === undefined) return '2';
  const text = typeof raw === 'number' ? String(raw) : raw.charCodeAt(0) === 48 /* 0 */ ? raw.replace(/^0+(?=\d)/, '') : raw;
  return GRPC_CODES.get(text) ?? '2';
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
