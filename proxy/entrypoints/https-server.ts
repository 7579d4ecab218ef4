import http2, { type ServerHttp2Session } from 'node:http2';
import type { SecureContext, TLSSocket } from 'node:tls';
import { httpsServerSettings, type HttpsServerSettings, type EntryPointTlsStore } from '../tls/tls-store.js';
import type { LoadedCertificate } from '../tls/certificate-store.js';
import type { ResolvedTlsOption } from '../tls/tls-options.js';
import { serveHttp2Streams, type Http2RequestHandler } from './http2-front/http2-streams.js';
import { headerListPairs } from '../http/http2-fields.js';
import type { ProxyProtocolPolicy } from './proxy-protocol/proxied-peer.js';
import { followTicketKeys, ticketOptions } from '../tls/session-ticket-keys.js';
import { wrappedTcpSocket, type HelloServerNames } from '../tls/hello-server-name.js';

export interface HttpsServerOptions {
  /** Read on every handshake: the store is replaced on config reload. */
  getStore: () => EntryPointTlsStore;
  /** HTTP/2 requests (ALPN h2). */
  onRequest: Http2RequestHandler;
  /**
   * A TLS connection that will speak HTTP/1.x (ALPN http/1.1, or no ALPN), once its handshake is done: the
   * entrypoint serves it with the same HTTP/1.1 front as its plain connections.
   */
  onHttp1: (socket: TLSSocket) => void;
  /** Traefik `http.maxHeaderBytes` (HTTP/2 header lists), default 1 MiB. */
  maxHeaderBytes?: number;
  /** ms a TLS handshake may take (Go's ReadTimeout covers it); 0 = node's default, 120 s. */
  handshakeTimeout?: number;
  /** Traefik `http2.maxConcurrentStreams`, default 250. */
  http2MaxConcurrentStreams?: number;
  /** The entrypoint's PROXY protocol policy: a TLS socket reports the source its TCP socket was given. */
  proxyProtocol?: ProxyProtocolPolicy | null;
  /** The SNI of ClientHellos the entrypoint read before TLS: a TLS socket reports it where node reports no name. */
  helloNames?: HelloServerNames;
  /** Traefik `http2.maxDecoderHeaderTableSize` / `maxEncoderHeaderTableSize`; absent: 4096 each. */
  headerTables?: Http2HeaderTables | undefined;
  /** Every HTTP/2 session any of the servers starts (the entrypoint closes them on shutdown). */
  onSession?: (session: ServerHttp2Session) => void;
}

/** HPACK dynamic table sizes, bytes (Traefik's http2 options, Go's http.HTTP2Config fields). */
export interface Http2HeaderTables {
  /** What the server's decoder keeps, advertised to the client as SETTINGS_HEADER_TABLE_SIZE. */
  readonly decoder: number;
  /** The most the server's encoder keeps for responses (the client's SETTINGS_HEADER_TABLE_SIZE may lower it). */
  readonly encoder: number;
}

/**
 * The TLS server of one TLS option, speaking HTTP/2 (ALPN h2) and HTTP/1.1: the option's versions, suites, curves, ALPN
 * and client authentication, as Traefik's tls.Config for that option (https-servers.ts keeps one per option in use and
 * hands each connection to the one its SNI selects). It never listens. Certificates come from the current store
 * through SNICallback; the server's own context holds `certificate` (the store's default). node's HTTP/2 server serves
 * only HTTP/2: HTTP/1.x connections go to `onHttp1` (node's 'unknownProtocol' event, allowHTTP1 off).
 */
export type HttpsServer = http2.Http2SecureServer;

export function createHttpsServer(opts: HttpsServerOptions, option: ResolvedTlsOption, certificate: LoadedCertificate): HttpsServer {
  const settings = httpsServerSettings(option, certificate);
  const server = http2.createSecureServer({
    ...secureContextOptions(settings),
    // One key for every context, reload and worker, so tickets outlive reloads and reach any worker; tickets valid
    // while their key may be current (24 h), not node's default 2 h. followTicketKeys gives the server each later key.
    ...ticketOptions(),
    allowHTTP1: false,
    // Without a callback node offers h2 alone (or with http/1.1), whatever the option says.
    ALPNCallback: ({ protocols }) => chooseAlpn(option.alpnProtocols, protocols),
    requestCert: settings.requestCert,
    rejectUnauthorized: settings.rejectUnauthorized,
    ...http2Limits(opts),
    ...(opts.handshakeTimeout !== undefined && opts.handshakeTimeout > 0 ? { handshakeTimeout: opts.handshakeTimeout } : {}),
    // Node binds `this` to the TLSSocket, with the protocol version already negotiated.
    SNICallback(this: TLSSocket, servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) {
      opts.getStore().sniCallback(servername, cb, this, option);
    },
  });
  followTicketKeys(server);

  // Runs before the HTTP/2 session is attached: refuse what the handshake could not (no SNI, per-host limits).
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const wrapped = wrappedTcpSocket(socket);
    opts.proxyProtocol?.carryToTls(socket, wrapped);
    opts.helloNames?.carryToTls(socket, wrapped);
    if (opts.getStore().checkSecureConnection(socket, option)) socket.destroy();
  });
  serveHttp2Streams(server, opts.onRequest);
  // Emitted after 'secureConnection' for ALPN http/1.1 or none; a socket refused above is already destroyed.
  server.on('unknownProtocol', (socket: TLSSocket) => {
    if (!socket.destroyed) opts.onHttp1(socket);
  });
  if (opts.onSession !== undefined) server.on('session', opts.onSession);
  return server;
}

/** The HTTP/2 limits every HTTP/2 front applies (TLS h2 and h2c alike): header list size, concurrent streams. */
export function http2Limits(opts: {
  readonly maxHeaderBytes?: number | undefined;
  readonly http2MaxConcurrentStreams?: number | undefined;
  readonly headerTables?: Http2HeaderTables | undefined;
}) {
  return {
    maxSendHeaderBlockLength: opts.maxHeaderBytes ?? 1048576,
    maxHeaderListPairs: headerListPairs(opts.maxHeaderBytes ?? 1048576),
    // nghttp2's deflater (node's encoder): the Go server's MaxEncoderHeaderTableSize.
    maxDeflateDynamicTableSize: opts.headerTables?.encoder ?? 4096,
    settings: {
      maxConcurrentStreams: opts.http2MaxConcurrentStreams ?? 250,
      maxHeaderListSize: opts.maxHeaderBytes ?? 1048576,
      // The decoder's table, as Go's MaxDecoderHeaderTableSize: advertised, and what the client's encoder may use.
      headerTableSize: opts.headerTables?.decoder ?? 4096,
    },
  };
}

/** The protocols pe-edge's HTTPS server speaks (acme-tls/1 is answered before it, see entrypoint.ts). */
const SPOKEN = new Set(['h2', 'http/1.1']);

/**
 * Go's ALPN choice (crypto/tls negotiateALPN): the first protocol of the server's list the client offers; an
 * `http/1.1` client of a server that lists `h2` only is still served HTTP/1.1; no overlap refuses the handshake.
 * `spoken`: the protocols the server may pick (null: any it lists; TCP routers terminating TLS relay whatever it is).
 */
export function chooseAlpn(server: readonly string[], client: readonly string[], spoken: ReadonlySet<string> | null = SPOKEN): string | undefined {
  for (const protocol of server) if ((spoken === null || spoken.has(protocol)) && client.includes(protocol)) return protocol;
  if (server.includes('h2') && client.includes('http/1.1')) return 'http/1.1';
  return undefined;
}

function secureContextOptions(settings: HttpsServerSettings) {
  return {
    cert: settings.cert,
    key: settings.key,
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    ciphers: settings.ciphers,
    ecdhCurve: settings.ecdhCurve,
    ca: settings.ca,
    sessionIdContext: settings.sessionIdContext,
  };
}
