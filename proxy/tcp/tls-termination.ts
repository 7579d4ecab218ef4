import type net from 'node:net';
import tls, { createSecureContext, DEFAULT_CIPHERS, type SecureContext } from 'node:tls';
import type { LoadedCertificate } from '../tls/certificate-store.js';
import { clientAuthRefusal, sessionContextOf, withLegacySecurityLevel, type ResolvedTlsOption } from '../tls/tls-options.js';
import { ecdsaFirst, strictSniRefusal, type TlsStore } from '../tls/tls-store.js';
import { followTicketKeys, ticketOptions } from '../tls/session-ticket-keys.js';
import { chooseAlpn } from '../entrypoints/https-server.js';
import { adoptHelloServerName, serverNameOf, wrappedTcpSocket } from '../tls/hello-server-name.js';
import { timerMs } from '../timer-bounds.js';

/**
 * TLS termination for a TCP router (Traefik's tcp.TLSHandler): the certificate comes from the TLS store by SNI, as
 * for HTTPS; versions, ciphers, curves, ALPN and client authentication come from the router's own `tls.options`
 * (a TCP router is chosen on the ClientHello, so its options apply whatever other routers say about the host).
 */
export class TlsTermination {
  private readonly withClientCa = new WeakMap<LoadedCertificate, SecureContext>();
  /**
   * Never listens: each connection is handed to it. node checks a client certificate (sets `authorized`, applies
   * rejectUnauthorized) only on sockets a tls.Server wraps; a TLSSocket made on its own reports every certificate,
   * trusted or not, as unauthorized.
   */
  private readonly server: tls.Server;
  /** What to do with each connection handed to the server once it is secure, by its TCP socket. */
  private readonly waiting = new WeakMap<net.Socket, (secure: tls.TLSSocket) => void>();

  constructor(private readonly option: ResolvedTlsOption, private readonly store: TlsStore) {
    const ca = option.clientAuth.ca.length > 0 ? [...option.clientAuth.ca] : undefined;
    this.server = tls.createServer({
      cert: store.defaultCertificate.cert,
      key: store.defaultCertificate.key,
      minVersion: option.minVersion,
      maxVersion: option.maxVersion,
      ciphers: withLegacySecurityLevel({ ciphers: ecdsaFirst(option.ciphers ?? DEFAULT_CIPHERS), minVersion: option.minVersion }),
      ...(option.ecdhCurve !== undefined ? { ecdhCurve: option.ecdhCurve } : {}),
      ...(ca !== undefined ? { ca } : {}),
      // The base context (not the one SNI picks) reads tickets: one key for every router, reload and worker, and
      // a session resumes only under an option that lets in the same clients. Tickets live as long as their key
      // may be current (24 h); followTicketKeys gives the server each later key.
      ...ticketOptions(),
      sessionIdContext: sessionContextOf(option),
      requestCert: option.clientAuth.requestCert,
      rejectUnauthorized: option.clientAuth.rejectUnauthorized,
      // terminate() times the handshake itself, by the entrypoint's timeout.
      handshakeTimeout: 0,
      ALPNCallback: ({ protocols }) => chooseAlpn(option.alpnProtocols, protocols, null),
      SNICallback: (servername, cb) => {
        const unknownName = strictSniRefusal(option, servername, this.store);
        if (unknownName !== undefined) {
          cb(unknownName);
          return;
        }
        const certificate = this.store.certificateFor(servername);
        cb(null, this.contextFor(certificate ?? this.store.defaultCertificate));
      },
    });
    followTicketKeys(this.server);
    this.server.on('secureConnection', (secure: tls.TLSSocket) => {
      const socket = wrappedTcpSocket(secure);
      const then = socket === undefined ? undefined : this.waiting.get(socket);
      if (socket === undefined || then === undefined) {
        secure.destroy();
        return;
      }
      this.waiting.delete(socket);
      then(secure);
    });
    // A failed handshake, or a client certificate node's verification refused (rejectUnauthorized).
    this.server.on('tlsClientError', (_err: Error, secure: tls.TLSSocket) => {
      secure.destroy();
      wrappedTcpSocket(secure)?.destroy();
    });
  }

  /**
   * Handshakes on `socket` (whose ClientHello bytes were put back, `serverName` its SNI) within `timeout` ms (0: none);
   * `next` gets the TLS socket once it is secure. A failed or late handshake, or a client certificate or name the
   * option refuses, closes it.
   */
  terminate(socket: net.Socket, serverName: string | null, timeout: number, next: (secure: tls.TLSSocket) => void): void {
    const option = this.option;
    const timer = timeout > 0 ? setTimeout(() => socket.destroy(), timerMs(timeout)) : null;
    socket.once('close', () => {
      if (timer !== null) clearTimeout(timer);
      this.waiting.delete(socket);
    });
    this.waiting.set(socket, (secure) => {
      if (timer !== null) clearTimeout(timer);
      adoptHelloServerName(secure, serverName);
      const servername = serverNameOf(secure);
      if (clientAuthRefusal(option.clientAuth, secure) !== undefined || strictSniRefusal(option, servername, this.store) !== undefined) {
        secure.destroy();
        socket.destroy();
        return;
      }
      next(secure);
    });
    this.server.emit('connection', socket);
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
