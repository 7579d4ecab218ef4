import tls from 'node:tls';

/** The ALPN protocol of a TLS-ALPN-01 validation handshake (RFC 8737). */
export const ACME_TLS_ALPN = 'acme-tls/1';

/**
 * Pending ACME challenges, filled by the certificate resolvers and read on the request path; changes apply at
 * once, with no configuration reload. One store serves the whole process: the operator creates it, hands it to
 * every BuildInput (so each runtime carries the same object) and to its ACME client.
 *
 * Names are kept lower-case: a validator's Host or SNI may differ in case from the identifier it validates.
 */
export class AcmeChallengeStore {
  /** token → host → key authorization (Traefik's ChallengeHTTP: the same token may serve several hosts). */
  private readonly http = new Map<string, Map<string, string>>();
  private readonly alpn = new Map<string, tls.SecureContext>();

  /** HTTP-01: answer `GET /.well-known/acme-challenge/<token>` for `host` (no port) with `keyAuthorization`. */
  setHttp01(token: string, host: string, keyAuthorization: string): void {
    let hosts = this.http.get(token);
    if (hosts === undefined) this.http.set(token, (hosts = new Map()));
    hosts.set(host.toLowerCase(), keyAuthorization);
  }

  deleteHttp01(token: string, host: string): void {
    const hosts = this.http.get(token);
    if (hosts === undefined) return;
    hosts.delete(host.toLowerCase());
    if (hosts.size === 0) this.http.delete(token);
  }

  /** The key authorization for (token, host without port), undefined when none is pending. */
  http01(token: string, host: string): string | undefined {
    return this.http.get(token)?.get(host.toLowerCase());
  }

  /**
   * TLS-ALPN-01: the challenge certificate (PEM cert + key, made by acme-client's crypto.createAlpnCertificate)
   * for one domain. The context is built here, so a bad PEM throws to the resolver rather than failing a handshake.
   */
  setTlsAlpn01(domain: string, certPem: string, keyPem: string): void {
    this.alpn.set(normalizeName(domain), tls.createSecureContext({ cert: certPem, key: keyPem }));
  }

  deleteTlsAlpn01(domain: string): void {
    this.alpn.delete(normalizeName(domain));
  }

  /** The challenge certificate's context for a ClientHello's SNI name, undefined when none is pending. */
  tlsAlpn01Context(servername: string): tls.SecureContext | undefined {
    return this.alpn.get(normalizeName(servername));
  }

  /**
   * Some TLS-ALPN-01 challenge is pending. While none is, entrypoints hand TLS connections on without reading
   * their ClientHello (a hello offering only `acme-tls/1` is then refused by the HTTPS server's ALPN check).
   */
  get tlsAlpn01Pending(): boolean {
    return this.alpn.size > 0;
  }
}

/** Traefik's GetBestCertificate: the SNI name trimmed and lower-cased. */
function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}
