/**
 * One table from an upstream failure to the status Traefik answers with (behaviour §2.3.2):
 * timeouts 504, connection-level errors 502, anything else (e.g. TLS verification) 500.
 */
export interface UpstreamFailure {
  status: number;
  text: string;
}

const GATEWAY_TIMEOUT: UpstreamFailure = { status: 504, text: 'Gateway Timeout' };
const BAD_GATEWAY: UpstreamFailure = { status: 502, text: 'Bad Gateway' };
const INTERNAL: UpstreamFailure = { status: 500, text: 'Internal Server Error' };

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_INFO', 'HPE_INVALID_CONSTANT',
]);

export function classifyUpstreamError(err: Error): UpstreamFailure {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TIMEOUT_CODES.has(code)) return GATEWAY_TIMEOUT;
    if (NETWORK_CODES.has(code) || code.startsWith('HPE_')) return BAD_GATEWAY;
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return classifyUpstreamError(cause);
  return code === undefined && err.name === 'SocketError' ? BAD_GATEWAY : INTERNAL;
}

/** The system error code when undici wraps one (its SocketError carries the cause), else undici's own. */
export function errorCode(err: Error): string {
  const own = (err as { code?: unknown }).code;
  const cause: unknown = err.cause;
  const inner = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  if (typeof inner === 'string') return inner;
  return typeof own === 'string' ? own : '';
}
