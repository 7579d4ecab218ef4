import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { FaultSink } from './exchange-fault.js';
import type { ProxyRequest, ProxyResponse, ResponseHeaders } from './proxy-exchange.js';
import type { TlsConnection } from './tls-connection.js';

export type { ProxyRequest, ProxyResponse, ResponseHeaders } from './proxy-exchange.js';
export { removeResponseHeader } from './proxy-exchange.js';

/**
 * Everything one request carries through router matching, middlewares and services.
 * Built once at the entrypoint; matchers only read it, middlewares may rewrite the path fields.
 */
export interface RequestContext {
  readonly req: ProxyRequest;
  readonly res: ProxyResponse;
  /** Where an error raised for this exchange is reported (log line and metric) instead of ending the process. */
  readonly faults: FaultSink;
  /** Canonical host as matchers see it: lower-case, port and one trailing dot removed, '' when absent. */
  readonly host: string;
  /**
   * The Host header (or :authority) exactly as the client sent it, port included; the Host sent upstream
   * with passHostHeader. Writable: the headers middleware's `customRequestHeaders.Host` replaces it (Go's req.Host).
   */
  hostHeader: string;
  readonly method: string;
  /** Path as matchers see it: every %XX decoded but reserved ones (%2F, %23, %3F, %25, ...), Traefik v3.4+'s routing path. */
  path: string;
  /**
   * The path as Go's URL.RawPath holds it, one character a byte: the bytes received, or what path middlewares
   * wrote (configured text as its UTF-8 bytes, never escaped by them). Go's URL.Path is its unescaping; it is
   * escaped once where it is written out (goEscapedPath: upstream, forwardAuth, redirects, errors' {url}).
   */
  rawPath: string;
  /** `rawPath` as the entrypoint received it (sanitized), before any middleware rewrote it: the access log's RequestPath. */
  readonly receivedPath: string;
  /** Query string without the leading '?', '' when there is none. */
  rawQuery: string;
  /** A path middleware rewrote the path: Go's req.RequestURI is then URL.RequestURI(), no longer the target received. */
  pathRewritten: boolean;
  /** Peer address (never X-Forwarded-For), IPv6 zone stripped. */
  readonly clientIp: string;
  readonly clientPort: number;
  /** True when the request arrived over TLS (`tlsConnection` is then its connection's). */
  readonly tls: boolean;
  /**
   * The TLS connection the request arrived on, kept by its front (one per connection): its version, cipher and
   * client certificate, asked of node once per connection. null on a plain connection.
   */
  readonly tlsConnection: TlsConnection | null;
  readonly entryPoint: string;
  /** The entrypoint trusts this peer's X-Forwarded-* headers (forwardedHeaders.insecure / trustedIPs). */
  readonly trustForwarded: boolean;
  /** Filled in by the router table / service for access logs and metrics. */
  routerName: string;
  serviceName: string;
  serviceUrl: string;
  /** Monotonic start time, process.hrtime.bigint(). */
  readonly startedAt: bigint;
  /** The request body when a middleware has read it whole (buffering); null means stream it from `req`. */
  body: WholeBody | null;
  /**
   * The request body as a middleware rewrote it on its way (grpcWeb: its length dropped, `-text` decoded from
   * base64): read instead of `req.bodyStream` by everything after that middleware (`requestBodyStream`), sent
   * upstream without a Content-Length, never sent twice. null: the client's own body.
   */
  streamedBody: Readable | null;
  /** Response body bytes the forwarder relayed (what access logs and metrics report for chunked answers). */
  bytesSent: number;
  /** Response-side work middlewares asked for; null (the common case) costs the forwarder nothing. */
  response: ResponseHooks | null;
  /**
   * The first request of its client connection (HTTP/1.x) or the first stream of its HTTP/2 session, set by
   * the front. HAProxy's `http-reuse safe`: the forwarder sends it on a connection of its own, never on an
   * idle one another client used, whose late bytes it could take as its answer; later requests may reuse.
   */
  readonly firstOnConnection: boolean;
  /** Set for HTTP/1.1 Upgrade requests (WebSocket): the client socket to relay once upstream answers 101. */
  readonly upgrade: UpgradeRequest | null;
  /**
   * Headers middlewares set on this request, flat [name, value, ...] like rawHeaders; null when none. The
   * forwarder drops an untrusted peer's X-Forwarded-* (Traefik removes them at the entrypoint, before any
   * middleware runs); the values recorded here were set after that point in Traefik's order, so they survive.
   */
  ownHeaders: string[] | null;
  /** `customRequestHeaders: {X-Forwarded-For: ""}`: Go's ReverseProxy then sends no X-Forwarded-For at all. */
  omitForwardedFor: boolean;
  /**
   * Entrypoint-set headers (ENTRYPOINT_SET_HEADERS: X-Real-Ip, X-Forwarded-Proto/-Host/-Port/-Server) a middleware
   * deleted, lower-case; null when none: the forwarder adds no value of its own for them, as nothing re-adds them
   * in Traefik once its headers middleware deleted them.
   */
  deletedForwarded: string[] | null;
  /** The entrypoint's forwardedHeaders.notAppendXForwardedFor: X-Forwarded-For goes up as received, without the peer. */
  readonly notAppendForwardedFor: boolean;
  /** The access log's ClientUsername ('' when none): forwardAuth's `headerField` read from the auth server's answer. */
  username: string;
  /** A retry middleware's budget for this request; null without one. */
  retry: RetryPolicy | null;
  /** Retries the forwarder made under `retry` (traefik_service_retries_total). */
  retries: number;
  /**
   * The head of the last answer a server gave, as received, before any middleware saw it (the access log's
   * `origin_<Name>` fields, Traefik's OriginResponse); null until one answers. Absent on mirrors' contexts.
   */
  originHeaders?: IncomingHttpHeaders | null;
}

/**
 * A retry middleware's budget: how many times the forwarder may retry a server it could not connect to,
 * and how long to wait first.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (attempts - 1). */
  readonly retries: number;
  /** Delay before retry number `retry` (0 = the first retry), ms. */
  delayMs(retry: number): number;
}

export interface UpgradeRequest {
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** A request body read whole (buffering): held in memory, or spilled to a temporary file when large. */
export interface WholeBody {
  /** Bytes in the body: the Content-Length sent upstream. */
  readonly length: number;
  /** The body from its first byte, once per attempt: the bytes themselves, or a new stream of the file. */
  open(): Buffer | Readable;
}

/**
 * Where an answer's body goes when a middleware takes it (compress, grpcWeb): a Writable, or a lighter object that
 * is written to as one. `write` returning false asks the writer to wait for 'drain'. `writeLent`, when there, takes
 * a chunk still in the upstream connection's memory and calls `release` once nothing of its own references it.
 */
export interface BodySink {
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): unknown;
  once(event: 'drain', listener: () => void): unknown;
  writeLent?(chunk: Buffer, release: () => void): boolean;
}

/**
 * What middlewares do to the upstream's response, registered while the request passes through them.
 * Header hooks run innermost first (the order responses travel back through a chain).
 */
export interface ResponseHooks {
  headers: ((status: number, headers: ResponseHeaders) => void)[];
  /**
   * Replaces where the body goes (a compressor in front of the client); may edit headers first. A hook
   * that returns a stream owns the head: it calls `sendHead` once it has decided the headers (before
   * its first byte reaches the client); null leaves body and head to the forwarder.
   */
  body: ((status: number, headers: ResponseHeaders, sendHead: () => void) => BodySink | null) | null;
  /**
   * Holds the whole answer (buffering): takes the upstream's status, headers and body, and sends the head
   * (`sendHead`, through `body` if set) once the body is complete, so it can still answer something else.
   */
  hold: ((status: number, headers: ResponseHeaders, sendHead: () => void) => Writable) | null;
  /**
   * errors middlewares the request passed, outermost first; null without one. The innermost whose statuses
   * hold an answer's status takes that answer over: its head is never sent, its body is dropped.
   */
  catchers: StatusCatcher[] | null;
  /** The status every head goes out with instead of its own (an error page keeps the caught status); 0: none. */
  status: number;
  /**
   * Takes the upstream answer's trailers instead of the client (grpcWeb writes them into the body), called
   * once, before the body's sink ends; null: they go to the client (`ProxyResponse.relayTrailers`).
   */
  trailers: ((trailers: ResponseHeaders) => void) | null;
}

/** An errors middleware on the response path (Traefik's codeCatcher). */
export interface StatusCatcher {
  catches(status: number): boolean;
  /** Answers with the error page instead; called once, when the caught answer's body is over. */
  serve(status: number): void;
}

/** The status a head about to be sent goes out with: its own, or the one an error page must keep. */
export function headStatus(ctx: RequestContext, status: number): number {
  const hooks = ctx.response;
  return hooks === null || hooks.status === 0 ? status : hooks.status;
}

/** The innermost errors middleware that takes an answer with this status, or null (the common case). */
export function caughtBy(ctx: RequestContext, status: number): StatusCatcher | null {
  const catchers = ctx.response?.catchers ?? null;
  if (catchers === null) return null;
  for (let i = catchers.length - 1; i >= 0; i--) {
    const catcher = catchers[i] as StatusCatcher;
    if (catcher.catches(status)) return catcher;
  }
  return null;
}

/** The request body still to be read as a stream: a middleware's rewrite of it, else the client's (null: none). */
export function requestBodyStream(ctx: RequestContext): Readable | null {
  return ctx.streamedBody ?? ctx.req.bodyStream;
}

/** Runs the header hooks middlewares registered, innermost first, on headers about to be sent. */
export function applyHeaderHooks(ctx: RequestContext, status: number, headers: ResponseHeaders): void {
  const hooks = ctx.response;
  if (hooks === null) return;
  for (let i = hooks.headers.length - 1; i >= 0; i--) (hooks.headers[i] as (s: number, h: ResponseHeaders) => void)(status, headers);
}

/** The hooks of ctx, created on first use. */
export function responseHooks(ctx: RequestContext): ResponseHooks {
  return (ctx.response ??= { headers: [], body: null, hold: null, catchers: null, status: 0, trailers: null });
}

/** A step on the request path: a router's middleware chain ends in a service handler. */
export type Handler = (ctx: RequestContext) => void;
