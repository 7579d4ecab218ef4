/**
 * Upstream failures: what went wrong (pe-edge's own pool says so with an UpstreamError; undici, used for
 * TLS and upgrades, says so with its error codes) and the status Traefik answers with:
 * timeouts 504, connection-level errors, TLS alerts from the server and bad answers 502, anything else (e.g. TLS
 * verification) 500.
 */
export type UpstreamErrorKind =
  /** No connection: refused, unreachable, name not resolved. Nothing reached the server. */
  | 'refused'
  /** No connection within dialTimeout. Nothing reached the server. */
  | 'connect-timeout'
  /** The connection failed after the request went out, before a whole response head came back. */
  | 'reset-before-answer'
  /** The connection failed while the body was being relayed. */
  | 'reset-during-answer'
  /** No response head within responseHeaderTimeout. */
  | 'timeout'
  /** The answer is malformed or cannot be relayed faithfully. */
  | 'bad-response'
  /** A 101 to a request that asked for no upgrade (Go finds no protocol to switch to; Traefik answers 500). */
  | 'unasked-upgrade'
  /** The request cannot be written (a header that would inject another). */
  | 'bad-request'
  /** The client's request body stopped short. */
  | 'client-aborted';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(readonly kind: UpstreamErrorKind, message: string, cause?: Error | null) {
    super(message, cause === null || cause === undefined ? undefined : { cause });
  }
}

/** The status Traefik answers an upstream failure with (its body: Go's text for it, `sendStatusText`). */
export interface UpstreamFailure {
  status: number;
}

const GATEWAY_TIMEOUT: UpstreamFailure = { status: 504 };
const BAD_GATEWAY: UpstreamFailure = { status: 502 };
const INTERNAL: UpstreamFailure = { status: 500 };

const BY_KIND: Record<UpstreamErrorKind, UpstreamFailure> = {
  'refused': BAD_GATEWAY,
  'connect-timeout': GATEWAY_TIMEOUT,
  'reset-before-answer': BAD_GATEWAY,
  'reset-during-answer': BAD_GATEWAY,
  'timeout': GATEWAY_TIMEOUT,
  'bad-response': BAD_GATEWAY,
  'unasked-upgrade': INTERNAL,
  'bad-request': INTERNAL,
  'client-aborted': BAD_GATEWAY,
};

// undici's codes (TLS upstreams and upgrades go through undici).
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_INFO', 'HPE_INVALID_CONSTANT',
]);
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const CUT_BEFORE_ANSWER_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/**
 * A TLS alert the server sent (no common version or cipher suite, a client certificate refused): Go reports it as
 * a net.OpError "remote error", which Traefik answers 502. pe-edge's own refusals (verification) stay 500. node
 * names the code after OpenSSL's reason: `sslv3 alert` before OpenSSL 3.2 (node 20), `ssl/tls alert` since (node 22.20 on).
 */
const SERVER_TLS_ALERT = /^ERR_SSL_(?:SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_/;

export function classifyUpstreamError(err: Error): UpstreamFailure {
  if (err instanceof UpstreamError) return BY_KIND[err.kind];
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TIMEOUT_CODES.has(code)) return GATEWAY_TIMEOUT;
    if (NETWORK_CODES.has(code) || code.startsWith('HPE_') || SERVER_TLS_ALERT.test(code)) return BAD_GATEWAY;
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return classifyUpstreamError(cause);
  return code === undefined && err.name === 'SocketError' ? BAD_GATEWAY : INTERNAL;
}

/** The request never reached a server: it may go to another one, whatever its method. */
export function neverConnected(err: Error): boolean {
  if (err instanceof UpstreamError) return err.kind === 'refused' || err.kind === 'connect-timeout';
  return NOT_CONNECTED_CODES.has(errorCode(err));
}

/** The connection failed before any answer: another server may take the request if it is idempotent. */
export function cutBeforeAnswer(err: Error): boolean {
  if (err instanceof UpstreamError) return err.kind === 'reset-before-answer';
  return CUT_BEFORE_ANSWER_CODES.has(errorCode(err));
}

/** The system error code when undici wraps one (its SocketError carries the cause), else undici's own. */
export function errorCode(err: Error): string {
  const own = (err as { code?: unknown }).code;
  const cause: unknown = err.cause;
  const inner = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  if (typeof inner === 'string') return inner;
  return typeof own === 'string' ? own : '';
}
