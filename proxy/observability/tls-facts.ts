import type { PeerSocket } from '../http/proxy-exchange.js';

/** What the access log and the metrics report of a TLS connection: node's names, as its socket gives them. */
export interface TlsFacts {
  /** `TLSv1.3` (`socket.getProtocol()`). */
  readonly protocol: string | null | undefined;
  /** `TLS_AES_128_GCM_SHA256` (`socket.getCipher().standardName`). */
  readonly cipher: string | undefined;
}

const known = new WeakMap<PeerSocket, TlsFacts>();

/**
 * The connection's negotiated version and cipher, asked of the socket once per connection rather than by every
 * request's every hook (each ask is a call into node's TLS binding that makes a new object). A connection's are
 * fixed once its handshake is done, and Go's TLS server, whose values Traefik reports, never renegotiates.
 * Before a handshake ended (no protocol yet) nothing is kept.
 */
export function tlsFacts(socket: PeerSocket): TlsFacts {
  let facts = known.get(socket);
  if (facts === undefined) {
    const protocol = socket.getProtocol?.();
    facts = { protocol, cipher: socket.getCipher?.()?.standardName };
    if (protocol) known.set(socket, facts);
  }
  return facts;
}

const fingerprints = new WeakMap<PeerSocket, string>();

/**
 * The SHA-256 fingerprint of the client's certificate on a mutual-TLS connection, '' without one. Asked of the
 * socket once per connection (each ask makes a new certificate object in node's TLS binding): a connection's
 * client certificate is fixed at its handshake.
 */
export function clientCertificateFingerprint(socket: PeerSocket): string {
  let fingerprint = fingerprints.get(socket);
  if (fingerprint === undefined) {
    try {
      fingerprint = socket.getPeerX509Certificate?.()?.fingerprint256 ?? '';
    } catch {
      return ''; // a socket already gone has no peer to report
    }
    if (socket.getProtocol?.()) fingerprints.set(socket, fingerprint);
  }
  return fingerprint;
}
