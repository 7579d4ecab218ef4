import type { ProxyResponse } from '../http/proxy-exchange.js';

/** nginx's "client closed request", which Traefik's proxy answers when the client leaves before the upstream answer. */
export const STATUS_CLIENT_CLOSED_REQUEST = 499;

/**
 * The status an exchange ended with, as the access log, the metrics and the circuit breaker all record it: the
 * status of the head that was sent, or 499 when none was (the client left, or the exchange was cut, before any
 * answer). A client leaving after the head keeps that head's status, as in Traefik, where the captured status
 * is the one written.
 */
export function finalStatus(res: Pick<ProxyResponse, 'headersSent' | 'statusCode'>): number {
  return res.headersSent ? res.statusCode : STATUS_CLIENT_CLOSED_REQUEST;
}
