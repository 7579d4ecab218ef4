import type { StaticTcpServersTransport } from '../../labels-spec/index.js';
import type { TcpServersTransport } from '../../labels-spec/dynamic/tcp/index.js';

/**
 * The static `tcpServersTransport` (Traefik's `default@internal` TCP transport) as the transport every TCP service
 * without a `serversTransport` dials with. The static schema has already applied Traefik's defaults (durations in ms).
 */
export function defaultTcpTransport(s: StaticTcpServersTransport): TcpServersTransport {
  return {
    dialTimeout: s.dialTimeout,
    dialKeepAlive: s.dialKeepAlive,
    terminationDelay: s.terminationDelay,
    ...(s.tls === undefined ? {} : { tls: { insecureSkipVerify: s.tls.insecureSkipVerify, rootCAs: s.tls.rootCAs, certificates: [], ...(s.tls.spiffe === undefined ? {} : { spiffe: s.tls.spiffe }) } }),
  };
}
