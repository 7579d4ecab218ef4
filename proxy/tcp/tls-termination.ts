import type net from 'node:net';
import tls, { createSecureContext, DEFAULT_CIPHERS, type SecureContext } from 'node:tls';
import type { LoadedCertificate } from '../tls/certificate-store.js';
import { clientAuthRefusal, sessionContextOf, withLegacySecurityLevel, type ResolvedTlsOption } from '../tls/tls-options.js';
import { ecdsaFirst, type TlsStore } from '../tls/tls-store.js';
import { sessionTicketKeys } from '../tls/session-ticket-keys.js';
import { chooseAlpn } from '../entrypoints/https-server.js';

/**
 * TLS termination for a TCP router (Traefik's tcp.TLSHandler): the certificate comes from the TLS store by SNI, as
 * for HTTPS; versions, ciphers, curves, ALPN and client authentication come from the router's own `tls.options`
 * (a TCP router is chosen on the ClientHello, so its options apply whatever other routers say about the host).
 */
export class TlsTermination {
  private readonly base: SecureContext;
  private readonly withClientCa = new WeakMap<LoadedCertificate, SecureContext>();

  constructor(private readonly option: ResolvedTlsOption, private readonly store: TlsStore) {
    const ca = option.clientAuth.ca.length > 0 ? [...option.clientAuth.ca] : undefined;
    this.base = createSecureContext({
      cert: store.defaultCertificate.cert,
      key: store.defaultCertificate.key,
      minVersion: option.minVersion,
      maxVersion: option.maxVersion,
      ciphers: withLegacySecurityLevel({ ciphers: ecdsaFirst(option.ciphers ?? DEFAULT_CIPHERS), minVersion: option.minVersion }),
      ...(option.ecdhCurve !== undefined ? { ecdhCurve: option.ecdhCurve } : {}),
      ...(ca !== undefined ? { ca } : {}),
      // The base context (not the one SNI picks) reads tickets: one key for every router, reload and worker, and
      // a session resumes only under an option that lets in the same clients.
      ticketKeys: sessionTicketKeys(),
      sessionIdContext: sessionContextOf(option),
    });
  }

  /**
   * Handshakes on `socket` (whose ClientHello bytes were put back) within `timeout` ms (0: none); `next` gets the
   * TLS socket once it is secure. A failed or late handshake, or a client certificate the option refuses, closes it.
   */
  terminate(socket: net.Socket, timeout: number, next: (secure: tls.TLSSocket) => void): void {
    const option = this.option;
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: this.base,
      requestCert: option.clientAuth.requestCert,
      rejectUnauthorized: option.clientAuth.rejectUnauthorized,
      ALPNCallback: ({ protocols }) => chooseAlpn(option.alpnProtocols, protocols, null),
      SNICallback: (servername, cb) => {
        const certificate = this.store.certificateFor(servername);
        if (certificate === undefined && option.sniStrict) {
          cb(new Error(`strict SNI enabled - No certificate found for domain: "${servername}", closing connection`));
          return;
        }
        cb(null, this.contextFor(certificate ?? this.store.defaultCertificate));
      },
    });
    const cut = (): void => {
      secure.destroy();
      socket.destroy();
    };
    const timer = timeout > 0 ? setTimeout(cut, timeout) : null;
    secure.on('error', cut);
    secure.once('secure', () => {
      if (timer !== null) clearTimeout(timer);
      secure.off('error', cut);
      if (clientAuthRefusal(option.clientAuth, secure) !== undefined || (option.sniStrict && !secure.servername)) {
        cut();
        return;
      }
      next(secure);
    });
  }

  /** With client CAs the SNI context carries them: OpenSSL verifies the client against the context SNI chose. */
  private contextFor(certificate: LoadedCertificate): SecureContext {
    const ca = this.option.clientAuth.ca;
    if (ca.length === 0) return certificate.secureContext();
    let context = this.withClientCa.get(certificate);
    if (context === undefined) this.withClientCa.set(certificate, (context = createSecureContext({ cert: certificate.cert, key: certificate.key, ca: [...ca] })));
    return context;
  }
}

/** What OpenSSL's verification does not refuse itself: a missing certificate (RequireAny), a bad one given (VerifyIfGiven). */

