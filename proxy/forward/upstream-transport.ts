import { readPemSource } from '../tls/pem-source.js';
import { Pool, type Dispatcher } from 'undici';
import type { ForwardRequest } from './http1/exchange.js';
import { HEAD_COMPLETION_MS } from './http1/exchange.js';
import { Http1Pool } from './http1/http1-pool.js';

/** Keep-alive connections to one server origin: pe-edge's own HTTP/1.1 pool, or undici's for https. */
export interface UpstreamPool {
  dispatch(request: ForwardRequest, handler: Dispatcher.DispatchHandler): boolean;
  /** Lets in-flight requests finish, then closes every connection. */
  close(): Promise<void>;
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
}

export const DEFAULT_TRANSPORT: UpstreamTransport = {
  dialTimeout: 30_000,
  responseHeaderTimeout: 0,
  idleConnTimeout: 90_000,
  maxIdleConnsPerHost: 200,
  insecureSkipVerify: false,
  rootCAs: [],
};

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
    t.clientCertificate?.cert ?? '', t.clientCertificate?.key ?? '', t.owner ?? '']);
}

export function createUpstreamPool(origin: string, t: UpstreamTransport): UpstreamPool {
  const url = new URL(origin);
  if (url.protocol !== 'http:') return createUndiciPool(origin, t);
  return new Http1Pool({
    // URL keeps IPv6 literals bracketed; the socket wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
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

/** Go's rule for maxIdleConnsPerHost: 0 means its default of 2 (a dynamic transport's default), below 0 keeps none. */
function idleConnsPerHost(configured: number): number {
  if (configured === 0) return 2;
  return configured < 0 ? 0 : configured;
}

/** undici's pool: TLS upstreams, and protocol upgrades (WebSocket) on plain ones. */
function createUndiciPool(origin: string, t: UpstreamTransport): Pool {
  const ca = t.rootCAs.map(readPemSource);
  const client = t.clientCertificate;
  return new Pool(origin, {
    connections: (t.maxConnsPerHost ?? 0) > 0 ? t.maxConnsPerHost : null,
    pipelining: 1,
    connectTimeout: t.dialTimeout,
    headersTimeout: t.responseHeaderTimeout,
    // Traefik has no body timeout: long downloads and event streams must not be cut.
    bodyTimeout: 0,
    keepAliveTimeout: t.idleConnTimeout,
    keepAliveMaxTimeout: Math.max(t.idleConnTimeout, 1),
    // Responses are streamed through as they arrive; undici must not second-guess lengths of what we relay.
    strictContentLength: false,
    connect: {
      rejectUnauthorized: !t.insecureSkipVerify,
      ...(ca.length > 0 ? { ca } : {}),
      ...(client !== undefined ? { cert: readPemSource(client.cert), key: readPemSource(client.key) } : {}),
      ...(t.serverName !== undefined && t.serverName !== '' ? { servername: t.serverName } : {}),
    },
  });
}
