import net from 'node:net';
import tls from 'node:tls';
import { readPemSource } from '../tls/pem-source.js';
import { backendTlsOptions } from '../tls/tls-options.js';
import { Agent, buildConnector, Pool, type Dispatcher } from 'undici';
import { Http2Pool } from './http2/http2-pool.js';
import { peerCertUriError } from './peer-cert-uri.js';
import type { ForwardRequest } from './http1/exchange.js';
import { HEAD_COMPLETION_MS } from './http1/exchange.js';
import { departedDialTimeout } from './departed-server.js';
import { Http1Pool } from './http1/http1-pool.js';

/**
 * Keep-alive connections to one server origin: pe-edge's own HTTP/1.1 pool (`http://`), its HTTP/2 pool (`h2c://`,
 * and `https://` unless disableHTTP2), or undici's (HTTP/1.1 over TLS, and upgrades).
 */
export interface UpstreamPool {
  dispatch(request: ForwardRequest, handler: Dispatcher.DispatchHandler): boolean;
  /** Lets in-flight requests finish, then closes every connection. */
  close(): Promise<void>;
  /** close() was called: no configuration uses the server any more (or the process is stopping). */
  readonly closed: boolean;
}

/** What Traefik calls a serversTransport, reduced to what shapes an undici Pool. Times in ms. */
export interface UpstreamTransport {
  dialTimeout: number;
  /** 0 = wait for response headers forever, as Traefik's default. */
  responseHeaderTimeout: number;
  idleConnTimeout: number;
  maxIdleConnsPerHost: number;
  /** Connections (busy and idle) to one server at most; requests beyond wait for one. 0 = no limit. */
  maxConnsPerHost?: number;
  insecureSkipVerify: boolean;
  /** File paths or inline PEM. */
  rootCAs: readonly string[];
  serverName?: string | undefined;
  /** pe-edge's own, not a Traefik option: ms a response head that has started may take to finish (default 60 s). */
  headCompletionTimeout?: number;
  /** A client certificate and its key for mutual TLS (file paths or inline PEM). */
  clientCertificate?: { readonly cert: string; readonly key: string } | undefined;
  /**
   * Who the pool's requests are for: pools of different owners never share a connection, so a forwardAuth
   * answer can never be bytes a backend left on a connection a client's request used.
   */
  owner?: string | undefined;
  /** Traefik's disableHTTP2: `https://` servers are spoken to over HTTP/1.1 only (no h2 offered in ALPN). */
  disableHTTP2?: boolean | undefined;
  /** forwardingTimeouts.readIdleTimeout: an HTTP/2 PING after a connection is silent this long; 0 = never. */
  readIdleTimeout?: number | undefined;
  /** forwardingTimeouts.pingTimeout: an unanswered PING closes the connection after this (default 15 s). */
  pingTimeout?: number | undefined;
  /** Traefik's peerCertURI: the server certificate must verify and carry this SAN URI. */
  peerCertURI?: string | undefined;
  /** v3.7: the TLS versions offered to https:// servers, by Traefik's names (`VersionTLS12`); unset: TLS 1.2 to 1.3. */
  minVersion?: string | undefined;
  maxVersion?: string | undefined;
  /** v3.7: the TLS 1.0-1.2 cipher suites offered, by Go's names; unset: the defaults. */
  cipherSuites?: readonly string[] | undefined;
}

/** Stable identity of a transport's settings, so pools survive reloads that did not change them. */
export function transportKey(t: UpstreamTransport): string {
  let key = transportKeys.get(t);
  if (key === undefined) transportKeys.set(t, (key = settingsKey(t)));
  return key;
}

/** Transports are read-only configuration objects shared by every service using them: their key is computed once. */
const transportKeys = new WeakMap<UpstreamTransport, string>();

function settingsKey(t: UpstreamTransport): string {
  return JSON.stringify([t.dialTimeout, t.responseHeaderTimeout, t.idleConnTimeout, t.maxIdleConnsPerHost, t.maxConnsPerHost ?? 0,
    t.insecureSkipVerify, t.rootCAs, t.serverName ?? '', t.headCompletionTimeout ?? HEAD_COMPLETION_MS,
    t.clientCertificate?.cert ?? '', t.clientCertificate?.key ?? '', t.owner ?? '', t.disableHTTP2 === true,
    t.readIdleTimeout ?? 0, t.pingTimeout ?? DEFAULT_PING_TIMEOUT, t.peerCertURI ?? '', t.minVersion ?? '', t.maxVersion ?? '', t.cipherSuites ?? []]);
}

/** Traefik's forwardingTimeouts.pingTimeout default. */
const DEFAULT_PING_TIMEOUT = 15_000;

export function createUpstreamPool(origin: string, t: UpstreamTransport): UpstreamPool {
  const url = new URL(origin);
  // URL keeps IPv6 literals bracketed; the socket wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'h2c:') {
    const port = url.port === '' ? 80 : Number(url.port);
    return createHttp2Pool(host, port, `${url.host}`, null, t, () => createUndiciPool(`http://${url.host}`, t));
  }
  if (url.protocol === 'https:') {
    if (t.disableHTTP2 === true) return createUndiciPool(origin, t);
    const port = url.port === '' ? 443 : Number(url.port);
    return createHttp2Pool(host, port, url.host, tlsConnectOptions(t), t, () => createUndiciPool(origin, t));
  }
  if (url.protocol !== 'http:') return createUndiciPool(origin, t);
  return new Http1Pool({
    host,
    port: url.port === '' ? 80 : Number(url.port),
    dialTimeout: t.dialTimeout,
    responseHeaderTimeout: t.responseHeaderTimeout,
    headCompletionTimeout: t.headCompletionTimeout ?? HEAD_COMPLETION_MS,
    idleConnTimeout: t.idleConnTimeout,
    maxIdleConns: idleConnsPerHost(t.maxIdleConnsPerHost),
    maxConns: Math.max(0, t.maxConnsPerHost ?? 0),
    fallback: () => createUndiciPool(origin, t),
  });
}

function createHttp2Pool(host: string, port: number, authority: string, tlsOptions: tls.ConnectionOptions | null, t: UpstreamTransport, http1: () => UpstreamPool): Http2Pool {
  return new Http2Pool({
    host,
    port,
    authority,
    tls: tlsOptions,
    peerCertURI: t.peerCertURI,
    dialTimeout: t.dialTimeout,
    responseHeaderTimeout: t.responseHeaderTimeout,
    idleConnTimeout: t.idleConnTimeout,
    readIdleTimeout: t.readIdleTimeout ?? 0,
    pingTimeout: t.pingTimeout ?? DEFAULT_PING_TIMEOUT,
    maxConns: Math.max(0, t.maxConnsPerHost ?? 0),
    http1,
  });
}

/** Go's rule for maxIdleConnsPerHost: 0 means its default of 2 (a dynamic transport's default), below 0 keeps none. */
function idleConnsPerHost(configured: number): number {
  if (configured === 0) return 2;
  return configured < 0 ? 0 : configured;
}

/**
 * A transport's TLS settings as node:tls takes them (PEM files are read now: an unreadable one fails the build, as
 * does a version or cipher setting no handshake could satisfy). TCP services' serversTransports
 * (proxy/tcp/tcp-dialer.ts) dial with the same.
 */
export function tlsConnectOptions(t: Pick<UpstreamTransport, 'insecureSkipVerify' | 'rootCAs' | 'clientCertificate' | 'serverName' | 'minVersion' | 'maxVersion' | 'cipherSuites'>): tls.ConnectionOptions {
  const ca = t.rootCAs.map(readPemSource);
  const client = t.clientCertificate;
  return {
    ...backendTlsOptions(t),
    rejectUnauthorized: !t.insecureSkipVerify,
    ...(ca.length > 0 ? { ca } : {}),
    ...(client !== undefined ? { cert: readPemSource(client.cert), key: readPemSource(client.key) } : {}),
    ...(t.serverName !== undefined && t.serverName !== '' ? { servername: t.serverName } : {}),
  };
}

/**
 * What a service's health probes dial with: its serversTransport's TLS settings (roots, insecureSkipVerify,
 * serverName, client certificate, peerCertURI) and dial timeout, as Traefik probes through the service's transport.
 */
export function createProbeAgent(t: UpstreamTransport): Agent {
  return new Agent({ keepAliveTimeout: 1000, connect: checkedConnector(buildConnector({ ...tlsConnectOptions(t), timeout: t.dialTimeout }), t.peerCertURI) });
}

/** The TLS connection a gRPC health probe opens to `host:port`: the transport's settings, SNI as Go sends it, peerCertURI checked. */
export function probeTlsConnect(t: UpstreamTransport, host: string, port: number, onRefused: (err: Error) => void): tls.TLSSocket {
  const options = tlsConnectOptions(t);
  const socket = tls.connect({ ...options, host, port, ALPNProtocols: ['h2'], servername: options.servername ?? (net.isIP(host) === 0 ? host : undefined) });
  if (t.peerCertURI !== undefined) {
    const uri = t.peerCertURI;
    socket.once('secureConnect', () => {
      const refused = peerCertUriError(socket, uri);
      if (refused !== null) onRefused(refused);
    });
  }
  return socket;
}

/** undici's pool, HTTP/1.1 only: TLS upstreams under disableHTTP2 or whose ALPN chose http/1.1, and protocol upgrades (WebSocket). */
function createUndiciPool(origin: string, t: UpstreamTransport): UpstreamPool {
  return new UndiciUpstreamPool(origin, t);
}

/**
 * undici refuses every request once its pool is closed. A request an old runtime still sends then (no server of
 * its service is configured any more: a reload that changed the serversTransport, or its sole server left) gets a
 * pool of its own, closed once that request is over, its dial capped at DEPARTED_DIAL_MS as Http1Pool's.
 */
class UndiciUpstreamPool implements UpstreamPool {
  private readonly pool: Pool;
  private isClosed = false;

  constructor(private readonly origin: string, private readonly transport: UpstreamTransport) {
    this.pool = undiciPool(origin, transport);
  }

  dispatch(request: ForwardRequest, handler: Dispatcher.DispatchHandler): boolean {
    if (!this.isClosed) return this.pool.dispatch(request, handler);
    const once = undiciPool(this.origin, { ...this.transport, dialTimeout: departedDialTimeout(this.transport.dialTimeout) });
    const accepted = once.dispatch(request, handler);
    once.close().catch(() => undefined);
    return accepted;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  close(): Promise<void> {
    this.isClosed = true;
    return this.pool.close();
  }
}

function undiciPool(origin: string, t: UpstreamTransport): Pool {
  return new Pool(origin, {
    connections: (t.maxConnsPerHost ?? 0) > 0 ? t.maxConnsPerHost : null,
    pipelining: 1,
    headersTimeout: t.responseHeaderTimeout,
    // Traefik has no body timeout: long downloads and event streams must not be cut.
    bodyTimeout: 0,
    keepAliveTimeout: t.idleConnTimeout,
    keepAliveMaxTimeout: Math.max(t.idleConnTimeout, 1),
    // Responses are streamed through as they arrive; undici must not second-guess lengths of what we relay.
    strictContentLength: false,
    connect: checkedConnector(buildConnector({ ...tlsConnectOptions(t), timeout: t.dialTimeout }), t.peerCertURI),
  });
}

/**
 * undici's connector with Go's SNI: the transport's serverName, else the server URL's host (undici would send the
 * request's Host, the client's with passHostHeader); and, with peerCertURI, refusing a server whose certificate
 * fails it before any request is written.
 */
function checkedConnector(connect: buildConnector.connector, peerCertURI: string | undefined): buildConnector.connector {
  return (options, callback) => connect({ ...options, servername: undefined }, (err, socket) => {
    if (err !== null || socket === null) {
      callback(err, null);
      return;
    }
    const refused = peerCertURI !== undefined && socket instanceof tls.TLSSocket ? peerCertUriError(socket, peerCertURI) : null;
    if (refused !== null) {
      socket.destroy();
      callback(refused, null);
    } else callback(null, socket);
  });
}
