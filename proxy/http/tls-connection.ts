import type { X509Certificate } from 'node:crypto';

/** What the access log and the metrics report of a TLS connection: node's names, as its socket gives them. */
export interface TlsFacts {
  /** `TLSv1.3` (`socket.getProtocol()`). */
  readonly protocol: string | null | undefined;
  /** `TLS_AES_128_GCM_SHA256` (`socket.getCipher().standardName`). */
  readonly cipher: string | undefined;
}

/**
 * A client's TLS connection as the request path reads it (`RequestContext.tlsConnection`): one per connection,
 * kept by the front that accepted it, so every request on it gets the same answers. Each fact is asked of node's
 * TLS binding once per connection rather than by every request's every hook (each ask makes a new object there):
 * a connection's are fixed once its handshake is done, and Go's TLS server, whose values Traefik reports, never
 * renegotiates.
 */
export interface TlsConnection {
  /** The negotiated version and cipher. */
  facts(): TlsFacts;
  /** The client's certificate on a mutual-TLS connection (passTLSClientCert), undefined without one. */
  clientCertificate(): X509Certificate | undefined;
}

/** The SHA-256 fingerprint of the client's certificate, '' without one (node keeps it on the certificate object). */
export function clientCertificateFingerprint(tls: TlsConnection): string {
  return tls.clientCertificate()?.fingerprint256 ?? '';
}

/** What node's TLSSocket tells of its handshake (the HTTP/1.1 fronts hand their sockets over as node's Socket). */
export interface TlsSocketView {
  readonly destroyed: boolean;
  getProtocol?(): string | null;
  getCipher?(): { readonly standardName?: string } | undefined;
  getPeerX509Certificate?(): X509Certificate | undefined;
}

/**
 * The TLS facts of an HTTP/1.1 connection (the lean front's, then node:http's after a hand-off), each asked of the
 * socket when first needed. Before its handshake ended, or once the socket is gone, nothing is kept: a later ask
 * may still get them.
 */
export class SocketTlsConnection implements TlsConnection {
  private known: TlsFacts | null = null;
  /** null: not asked yet. */
  private certificate: X509Certificate | undefined | null = null;

  constructor(private readonly socket: TlsSocketView) {}

  facts(): TlsFacts {
    if (this.known !== null) return this.known;
    const protocol = this.socket.getProtocol?.();
    const facts: TlsFacts = { protocol, cipher: this.socket.getCipher?.()?.standardName };
    if (protocol) this.known = facts;
    return facts;
  }

  clientCertificate(): X509Certificate | undefined {
    if (this.certificate !== null) return this.certificate;
    let certificate: X509Certificate | undefined;
    try {
      certificate = this.socket.getPeerX509Certificate?.();
    } catch {
      return undefined; // a socket already gone has no peer to report
    }
    if (!this.socket.destroyed) this.certificate = certificate;
    return certificate;
  }
}
