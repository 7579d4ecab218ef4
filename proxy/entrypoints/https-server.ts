import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { HttpsBaseOptions, TlsStore } from '../tls/tls-store.js';
import { Http1ProxyRequest, Http1ProxyResponse, Http2ProxyRequest, Http2ProxyResponse } from './node-exchange.js';

export interface HttpsServerOptions {
  /** Read on every handshake: the store is replaced on config reload. */
  getStore: () => TlsStore;
  onRequest: (req: Http1ProxyRequest | Http2ProxyRequest, res: Http1ProxyResponse | Http2ProxyResponse) => void;
  /** HTTP/1.1 `Connection: Upgrade` requests (WebSocket); Node emits `upgrade` on the HTTP/1 fallback of allowHTTP1. */
  onUpgrade: (req: Http1ProxyRequest, socket: Duplex, head: Buffer) => void;
  /** Traefik `http.maxHeaderBytes`, default 1 MiB. */
  maxHeaderBytes?: number;
  /** ms a TLS handshake may take (Go's ReadTimeout covers it); 0 = node's default, 120 s. */
  handshakeTimeout?: number;
  /** Traefik `http2.maxConcurrentStreams`, default 250. */
  http2MaxConcurrentStreams?: number;
}

// Fields node:tls reads from the server for every new connection (setSecureContext does not cover the last two).
interface PerConnectionServerFields {
  requestCert: boolean;
  rejectUnauthorized: boolean;
  maxHeaderSize?: number;
}

/** What node:http's connection code reads from its server for timeouts; its HTTP/1.1 fallback reads them from the HTTPS server. */
export interface NodeHttp1Timeouts {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval?: number | undefined;
  requireHostHeader?: boolean;
  emit(event: 'listening'): boolean;
}

/**
 * The fields node reads from the HTTPS server that its types leave out of Http2SecureServer: node:tls's
 * per-connection settings and node:http's, which its HTTP/1.1 fallback reads from this server.
 */
export function http1Fallback(server: HttpsServer): PerConnectionServerFields & NodeHttp1Timeouts {
  return server as unknown as PerConnectionServerFields & NodeHttp1Timeouts;
}

/**
 * One TLS listener speaking HTTP/2 (ALPN h2) and HTTP/1.1 on the same port. Certificates come from the current
 * store through SNICallback. The server's own context holds the default certificate and the version range; it is
 * replaced from the new store before the first handshake that sees a swapped store.
 */
export type HttpsServer = http2.Http2SecureServer<typeof Http1ProxyRequest, typeof Http1ProxyResponse, typeof Http2ProxyRequest, typeof Http2ProxyResponse>;

export function createHttpsServer(opts: HttpsServerOptions): HttpsServer {
  let applied = opts.getStore();
  const base = applied.defaultServerOptions;
  const server = http2.createSecureServer<typeof Http1ProxyRequest, typeof Http1ProxyResponse, typeof Http2ProxyRequest, typeof Http2ProxyResponse>({
    ...secureContextOptions(base),
    ALPNProtocols: base.ALPNProtocols.filter((protocol) => protocol !== 'http/1.1'), // allowHTTP1 appends it
    allowHTTP1: true,
    Http1IncomingMessage: Http1ProxyRequest,
    Http1ServerResponse: Http1ProxyResponse,
    Http2ServerRequest: Http2ProxyRequest,
    Http2ServerResponse: Http2ProxyResponse,
    requestCert: base.requestCert,
    rejectUnauthorized: base.rejectUnauthorized,
    maxSendHeaderBlockLength: opts.maxHeaderBytes ?? 1048576,
    ...(opts.handshakeTimeout !== undefined && opts.handshakeTimeout > 0 ? { handshakeTimeout: opts.handshakeTimeout } : {}),
    settings: {
      maxConcurrentStreams: opts.http2MaxConcurrentStreams ?? 250,
      maxHeaderListSize: opts.maxHeaderBytes ?? 1048576,
    },
    // Node binds `this` to the TLSSocket, with the protocol version already negotiated.
    SNICallback(this: TLSSocket, servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) {
      opts.getStore().sniCallback(servername, cb, this);
    },
  });
  // HTTP/1.1 on the allowHTTP1 fallback uses node:http's parser, which reads its limit from the server (default 16 KiB).
  const fields = http1Fallback(server);
  fields.maxHeaderSize = opts.maxHeaderBytes ?? 1048576;

  // Runs before node:tls wraps the TCP socket, so a swapped store's base context applies to this very connection.
  server.prependListener('connection', () => {
    const store = opts.getStore();
    if (store === applied) return;
    applied = store;
    const next = store.defaultServerOptions;
    server.setSecureContext(secureContextOptions(next));
    fields.requestCert = next.requestCert;
    fields.rejectUnauthorized = next.rejectUnauthorized;
  });
  // Runs before the HTTP/2 session is attached: refuse what the handshake could not (no SNI, per-host limits).
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (opts.getStore().checkSecureConnection(socket)) socket.destroy();
  });
  server.on('request', opts.onRequest);
  server.on('upgrade', opts.onUpgrade);
  return server;
}

function secureContextOptions(base: HttpsBaseOptions) {
  return {
    cert: base.cert,
    key: base.key,
    minVersion: base.minVersion,
    maxVersion: base.maxVersion,
    ciphers: base.ciphers,
    ecdhCurve: base.ecdhCurve,
    ca: base.ca,
  };
}
