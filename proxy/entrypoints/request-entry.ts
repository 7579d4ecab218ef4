import { reportFrontFault, type FaultSink } from '../http/exchange-fault.js';
import type { ProxyRequest, ProxyResponse, RequestContext, UpgradeRequest } from '../http/request-context.js';
import type { TlsConnection } from '../http/tls-connection.js';
import { hasDeniedEscape, hasMalformedEscape } from '../http/encoded-characters.js';
import { stripConnectionListed } from '../http/hop-by-hop.js';
import { absoluteFormHost, canonicalHost, clientAddress, splitRequestTarget } from '../http/request-target.js';
import { sendBareStatus, sendGoStatusError, sendNotFound } from '../http/traefik-responses.js';
import { runExchange } from '../http/run-exchange.js';
import type { IpChecker } from '../middlewares/traffic/ip-checker.js';
import { hidesDotSegment } from '../http/sanitize-path.js';
import type { RouteTarget, Runtime } from '../runtime/runtime.js';
import { deleteUnderscoreHeaders, hasUnderscoreHeader, type UnderscoreHeadersStrategy } from './underscore-headers.js';
import { goEscapedPath } from '../http/go-escaped-path.js';

/** Per-entrypoint facts the request path needs, fixed when the entrypoint starts. */
export interface EntryPointContext {
  readonly name: string;
  readonly getRuntime: () => Runtime;
  /** respondingTimeouts.writeTimeout in ms; 0 = none. */
  readonly writeTimeout: number;
  /** respondingTimeouts.readTimeout in ms: a request (head and body) must be read within it; 0 = none. */
  readonly readTimeout: number;
  /** forwardedHeaders.insecure */
  readonly trustAll: boolean;
  /** forwardedHeaders.trustedIPs, null when none. */
  readonly trusted: IpChecker | null;
  /** forwardedHeaders.notAppendXForwardedFor: the peer's address is not appended to X-Forwarded-For. */
  readonly notAppendForwardedFor: boolean;
  /** http.underscoreHeadersStrategy: request headers named with '_' kept, deleted before routing, or refused (400). */
  readonly underscoreHeaders: UnderscoreHeadersStrategy;
  /** Called once per request when its response is over (access log); null costs nothing. */
  readonly onDone: ((ctx: RequestContext) => void) | null;
  /** Where errors raised for one exchange are reported. */
  readonly faults: FaultSink;
  /** http.sanitizePath: `.`/`..` segments and repeated slashes resolved before routing. */
  readonly sanitizePath: boolean;
  /** http.encodedCharacters: bytes whose %XX escape in a routed path gets 400; null checks nothing. */
  readonly deniedEscapes: ReadonlySet<number> | null;
}

/**
 * Reads the current runtime once, routes the request and runs the matched router's chain. `tls`: the connection's
 * (null: plain). `first`: the first request of its client connection (first stream of an HTTP/2 session), see
 * RequestContext.firstOnConnection.
 */
export function handleRequest(ep: EntryPointContext, req: ProxyRequest, res: ProxyResponse, tls: TlsConnection | null, upgrade: UpgradeRequest | null, first: boolean): void {
  try {
    startExchange(ep, req, res, tls, upgrade, first);
  } catch (err) {
    // Called from node's 'request' and 'stream' events: a bug before or in routing must cost this exchange,
    // never the process (the lean front guards the same steps in serveSafely).
    reportFrontFault(ep, err);
    res.destroy();
  }
}

function startExchange(ep: EntryPointContext, req: ProxyRequest, res: ProxyResponse, tls: TlsConnection | null, upgrade: UpgradeRequest | null, first: boolean): void {
  const socket = req.socket;
  const clientIp = clientAddress(socket.remoteAddress);
  const ctx = requestContext(ep, req, res, tls, upgrade, clientIp, socket.remotePort ?? 0, trustsPeer(ep, clientIp), first);
  if (ep.onDone !== null) {
    const done = ep.onDone;
    res.once('close', () => done(ctx));
  }
  armWriteTimeout(ep, ctx);
  serveRoute(ep, ctx, findRoute(ep, ctx));
}

/**
 * Go's http.Server.WriteTimeout: the answer must be written within writeTimeout of its request's head,
 * else the connection (an HTTP/2 stream) is cut. Upgraded connections (WebSocket) are left alone.
 */
export function armWriteTimeout(ep: EntryPointContext, ctx: RequestContext): void {
  if (ep.writeTimeout <= 0 || ctx.upgrade !== null) return;
  const res = ctx.res;
  const timer = setTimeout(() => {
    if (!res.completed) res.destroy();
  }, ep.writeTimeout);
  res.once('close', () => clearTimeout(timer));
}

/** Whether the entrypoint keeps this peer's X-Forwarded-* headers (forwardedHeaders.insecure / trustedIPs). */
export function trustsPeer(ep: EntryPointContext, clientIp: string): boolean {
  return ep.trustAll || (ep.trusted !== null && ep.trusted.contains(clientIp));
}

/**
 * The context routers and services see; peer facts come from the caller (a connection knows them once), `tls`
 * among them (null: a plain connection).
 */
export function requestContext(ep: EntryPointContext, req: ProxyRequest, res: ProxyResponse, tls: TlsConnection | null, upgrade: UpgradeRequest | null,
  clientIp: string, clientPort: number, trustForwarded: boolean, firstOnConnection: boolean): RequestContext {
  const target = req.url ?? '/';
  const split = splitRequestTarget(target, ep.sanitizePath);
  const { path, rawQuery } = split;
  // Traefik's sanitizePath ends in JoinPath, which leaves the path as EscapedPath(): a `"` or a raw byte is escaped
  // before any router or middleware reads it (the usual path: one regex test, unchanged).
  const rawPath = ep.sanitizePath ? goEscapedPath(split.rawPath) : split.rawPath;
  const hostHeader = requestHost(req, target);
  // Traefik's outermost entrypoint handler: before the Connection header is read, routing and every middleware.
  if (ep.underscoreHeaders === 'delete' && hasUnderscoreHeader(req)) deleteUnderscoreHeaders(req);
  stripConnectionListed(req);
  return {
    req,
    res,
    faults: ep.faults,
    host: canonicalHost(hostHeader),
    hostHeader,
    method: req.method ?? 'GET',
    path,
    rawPath,
    receivedPath: rawPath,
    rawQuery,
    pathRewritten: false,
    clientIp,
    clientPort,
    tls: tls !== null,
    tlsConnection: tls,
    entryPoint: ep.name,
    trustForwarded,
    routerName: '',
    ownHeaders: null,
    omitForwardedFor: false,
    deletedForwarded: null,
    notAppendForwardedFor: ep.notAppendForwardedFor,
    username: '',
    retry: null,
    retries: 0,
    originHeaders: null,
    serviceName: '',
    serviceUrl: '',
    startedAt: process.hrtime.bigint(),
    body: null,
    streamedBody: null,
    bytesSent: 0,
    response: null,
    upgrade,
    firstOnConnection,
  };
}

/**
 * The host a request is for, as Go's server sets req.Host (what Traefik routes on and forwards): on HTTP/2
 * `:authority`, the `host` header only without it; on HTTP/1.x the authority of an absolute-form target,
 * else the Host header.
 */
function requestHost(req: ProxyRequest, target: string): string {
  const headers = req.headers;
  if (req.httpVersionMajor === 2) return (headers[':authority'] as string | undefined) || (headers.host ?? '');
  if (target.charCodeAt(0) !== 47 /* '/' */) return absoluteFormHost(target) || (headers.host ?? '');
  return headers.host ?? '';
}

/** The router of the current runtime that takes ctx, if any. */
export function findRoute(ep: EntryPointContext, ctx: RequestContext): RouteTarget | undefined {
  const tables = ep.getRuntime().entryPoints.get(ep.name);
  return tables === undefined ? undefined : (ctx.tls ? tables.https : tables.http).find(ctx);
}

/** The TLS options the connection's SNI selected on ep (`default` without SNI or for a host no TLS router there names). */
function sniOptions(ep: EntryPointContext, ctx: RequestContext): string {
  return ep.getRuntime().tls.forEntryPoint(ep.name).optionForServerName(ctx.req.socket.servername).name;
}

/**
 * Traefik's snicheck: true when the request's host has other TLS options than the SNI selected. It runs before
 * Traefik's routers, whichever router then takes the request, or none: a Host-less router (HostRegexp) outranking
 * admin.test's own would otherwise serve admin.test to a client that negotiated no client certificate, and a 404 where
 * no router matches would tell that client which of admin.test's paths exist.
 */
function hostMisdirected(ep: EntryPointContext, ctx: RequestContext): boolean {
  const view = ep.getRuntime().tls.forEntryPoint(ep.name);
  // One option in use on this entrypoint (`default`): every name selects it, and each HTTPS request skips two lookups.
  if (view.optionsInUse.length === 1) return false;
  return view.optionForServerName(ctx.host).name !== view.optionForServerName(ctx.req.socket.servername).name;
}

/**
 * Answers ctx: 200 for `OPTIONS *`, 400 for a header named with '_' (underscoreHeadersStrategy reject), 400 for a raw '#' or a malformed escape, 421 when the SNI chose other TLS
 * options than the host's, 404 without a router, 400 for a denied escape, 421 when the SNI chose other TLS options than the router's, else the router's chain.
 */
export function serveRoute(ep: EntryPointContext, ctx: RequestContext, target: RouteTarget | undefined): void {
  // `OPTIONS *` asks about the server, not a resource: Go's server answers it itself (globalOptionsHandler), before
  // Traefik's handlers, with a 200 and no body. A Host router would have forwarded it to its backend.
  if (ctx.method === 'OPTIONS' && ctx.req.url === '*') {
    sendBareStatus(ctx, 200, '');
    return;
  }
  // underscoreHeadersStrategy reject: Traefik's outermost handler answers with http.Error, before any other check.
  if (ep.underscoreHeaders === 'reject' && hasUnderscoreHeader(ctx.req)) {
    sendGoStatusError(ctx, 400);
    return;
  }
  // Go rejects a raw '#' in the request target; Traefik answers 400 with an empty body.
  if (ctx.rawPath.includes('#')) {
    sendBareStatus(ctx, 400, '');
    return;
  }
  // Go's server refuses a path whose '%' starts no escape (`/a%zz`) before Traefik's handlers: its body is the status.
  if (ctx.rawPath.includes('%') && hasMalformedEscape(ctx.rawPath)) {
    sendBareStatus(ctx, 400, '400 Bad Request');
    return;
  }
  // Traefik's snicheck wraps its routers: before the 404 and the router's own checks.
  if (ctx.tls && hostMisdirected(ep, ctx)) {
    sendGoStatusError(ctx, 421);
    return;
  }
  if (target === undefined) {
    sendNotFound(ctx);
    return;
  }
  ctx.routerName = target.name;
  // Traefik checks encodedCharacters in the matched router's chain, before its middlewares; pe-edge also
  // refuses an encoded slash that would hide a dot segment from sanitizePath (see hidesDotSegment).
  if ((ep.deniedEscapes !== null && hasDeniedEscape(ctx.rawPath, ep.deniedEscapes)) || (ep.sanitizePath && hidesDotSegment(ctx.rawPath))) {
    sendBareStatus(ctx, 400, '');
    return;
  }
  // pe-edge's check of the router, after the encoded-characters check: the TLS options the SNI selected must be the
  // router's too, else a client could reach a router under options it never negotiated.
  if (ctx.tls && target.tlsOptions !== null && target.tlsOptions !== sniOptions(ep, ctx)) {
    sendGoStatusError(ctx, 421);
    return;
  }
  // A handler bug must cost one request, never the process.
  runExchange(ctx, target.handler);
}
