import { isBodilessStatus } from '../../http/bodiless-status.js';
import { createSecureContext } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { ForwardRequest } from '../../forward/http1/exchange.js';
import { createUpstreamPool, type UpstreamPool, type UpstreamTransport } from '../../forward/upstream-transport.js';
import { DEFAULT_TRANSPORT } from '../../forward/servers-transport.js';
import { ownHeader, putHeader } from '../../http/header-bag.js';
import { FORWARD_AUTH_HOP_BY_HOP, REQUEST_HOP_BY_HOP } from '../../http/hop-by-hop.js';
import { reportFault } from '../../http/exchange-fault.js';
import { requestBodyStream, responseHooks, type Handler, type RequestContext, type ResponseHeaders } from '../../http/request-context.js';
import { addRequestHeader, deleteRequestHeader } from '../../http/request-header-edit.js';
import { answer } from '../../http/traefik-responses.js';
import { runExchange } from '../../http/run-exchange.js';
import { readPemSource } from '../../tls/pem-source.js';
import { compileGoRegexp, type GoRegexp } from '../../rules/go-regexp.js';
import { BodySpool, DEFAULT_MEMORY_BODY_BYTES, type SpoolRefusal } from '../body-spool.js';
import type { MiddlewareScope } from '../middleware-entry.js';
import { callAuthServer, type AuthAnswer, type AuthOutcome } from './auth-call.js';
import { authRequestHeaders, type AuthHeaderPolicy, type ForwardHeaderTrust } from './auth-request-headers.js';
import { goRedirect } from '../../http/go-redirect.js';
import { canonicalHeaderKey } from '../../http/go-text.js';
import { textOnTheWire } from '../../http/utf8-on-the-wire.js';
import { goRequestUri } from '../../http/go-escaped-path.js';

export interface ForwardAuthOptions {
  address: string;
  tls?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; insecureSkipVerify: boolean } | undefined;
  trustForwardHeader?: boolean | undefined;
  authResponseHeaders: string[];
  authResponseHeadersRegex: string;
  authRequestHeaders: string[];
  addAuthCookiesToResponse: string[];
  headerField: string;
  forwardBody: boolean;
  maxBodySize: number;
  preserveLocationHeader: boolean;
  preserveRequestMethod: boolean;
  maxResponseBodySize?: number | undefined;
  authSigninURL?: string | undefined;
}

/** Built once per router: everything a request needs, decided from the options. */
interface ForwardAuth {
  readonly address: URL;
  readonly path: string;
  readonly pool: UpstreamPool;
  readonly headers: AuthHeaderPolicy;
  readonly copyHeaders: readonly { readonly lower: string; readonly canonical: string }[];
  readonly copyRegex: GoRegexp | null;
  readonly authCookies: ReadonlySet<string>;
  readonly headerField: string;
  readonly forwardBody: boolean;
  readonly maxBodySize: number;
  readonly maxResponseBodySize: number;
  readonly preserveLocation: boolean;
  readonly preserveMethod: boolean;
  readonly signinUrl: string;
}

/** Who the auth pools belong to: never a connection a client's request to a service used. */
const AUTH_POOL_OWNER = 'forwardAuth';

// Headers the auth server may not set on the forwarded request: they route it, not describe it (Go's transport
// writes Host from req.Host; the body's framing is kept by request-header-edit.ts for every middleware).
const NOT_COPIED: ReadonlySet<string> = new Set([...REQUEST_HOP_BY_HOP, 'host']);
const METHODS_WITH_BODY: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Traefik's forwardAuth: each request is first asked of `address` (GET, or the request's method with
 * preserveRequestMethod; its body with forwardBody). A 2xx lets it through with the auth server's
 * authResponseHeaders (and those matching authResponseHeadersRegex) in place of the client's; any other
 * status is the answer, auth server's headers and body included. An unreachable server answers 500.
 */
export function createForwardAuth(o: ForwardAuthOptions, next: Handler, scope: MiddlewareScope): Handler {
  const fa = prepare(o, scope);
  return (ctx: RequestContext): void => {
    const body = fa.forwardBody && ctx.body === null && ctx.upgrade === null ? requestBodyStream(ctx) : null;
    if (body !== null) {
      readBody(ctx, fa, next, body);
      return;
    }
    askAuthServer(ctx, fa, next);
  };
}

function prepare(o: ForwardAuthOptions, scope: MiddlewareScope): ForwardAuth {
  const address = new URL(o.address);
  if (address.protocol !== 'http:' && address.protocol !== 'https:') throw new Error(`forwardAuth address ${o.address}: unsupported protocol scheme "${address.protocol.slice(0, -1)}"`);
  const transport = authTransport(o.tls);
  const pool = scope.upstreams?.acquire(address.origin, transport) ?? createUpstreamPool(address.origin, transport);
  const trust: ForwardHeaderTrust = o.trustForwardHeader === undefined ? 'legacy' : o.trustForwardHeader ? 'trust' : 'drop';
  let copyRegex: GoRegexp | null = null;
  if (o.authResponseHeadersRegex !== '') {
    try {
      copyRegex = compileGoRegexp(o.authResponseHeadersRegex, 'authResponseHeadersRegex');
    } catch (err) {
      throw new Error(`error compiling regular expression ${o.authResponseHeadersRegex}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    address,
    path: address.pathname + address.search,
    pool,
    headers: {
      trust,
      allowed: o.authRequestHeaders.length === 0 ? null : new Set(o.authRequestHeaders.map((n) => n.toLowerCase())),
      host: address.host,
    },
    copyHeaders: o.authResponseHeaders.map((name) => ({ lower: name.toLowerCase(), canonical: canonicalHeaderKey(name) })).filter((h) => !NOT_COPIED.has(h.lower)),
    copyRegex,
    authCookies: new Set(o.addAuthCookiesToResponse),
    headerField: o.headerField.toLowerCase(),
    forwardBody: o.forwardBody,
    maxBodySize: o.maxBodySize,
    maxResponseBodySize: o.maxResponseBodySize ?? -1,
    preserveLocation: o.preserveLocationHeader,
    preserveMethod: o.preserveRequestMethod,
    signinUrl: o.authSigninURL ?? '',
  };
}

/** Go's http.Client transport for `tls` (ca, cert+key for mutual TLS, insecureSkipVerify), with pe-edge's keep-alive pool. */
function authTransport(tls: ForwardAuthOptions['tls']): UpstreamTransport {
  if (tls === undefined) return { ...DEFAULT_TRANSPORT, owner: AUTH_POOL_OWNER };
  const ca = tls.ca ?? '';
  const cert = tls.cert ?? '';
  const key = tls.key ?? '';
  if ((cert === '') !== (key === '')) throw new Error('unable to create client TLS configuration: both TLS cert and key must be defined');
  try {
    // Read and checked now, as Traefik does: a wrong file disables the router instead of failing each request.
    createSecureContext({ ...(ca !== '' ? { ca: readPemSource(ca) } : {}), ...(cert !== '' ? { cert: readPemSource(cert), key: readPemSource(key) } : {}) });
  } catch (err) {
    throw new Error(`unable to create client TLS configuration: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    ...DEFAULT_TRANSPORT,
    insecureSkipVerify: tls.insecureSkipVerify,
    rootCAs: ca === '' ? [] : [ca],
    clientCertificate: cert === '' ? undefined : { cert, key },
    owner: AUTH_POOL_OWNER,
  };
}

/** forwardBody: the body is read whole (up to maxBodySize, else 401), sent to the auth server, then upstream. */
function readBody(ctx: RequestContext, fa: ForwardAuth, next: Handler, stream: NonNullable<RequestContext['req']['bodyStream']>): void {
  const spool = new BodySpool(DEFAULT_MEMORY_BODY_BYTES, fa.maxBodySize > 0 ? fa.maxBodySize : 0, (reason: SpoolRefusal) => {
    emptyAnswer(ctx, reason === 'too-large' ? 401 : 500);
  });
  ctx.res.once('close', () => spool.dispose());
  spool.once('finish', () => {
    if (spool.refused !== null || spool.disposed) return;
    // maxBodySize 0 allows only an empty body (BodySpool reads 0 as "no limit").
    if (fa.maxBodySize === 0 && spool.length > 0) return emptyAnswer(ctx, 401);
    ctx.body = spool;
    // A stream's event: nothing above would catch a throw (run-exchange.ts).
    runExchange(ctx, (c) => askAuthServer(c, fa, next));
  });
  stream.once('error', () => spool.dispose());
  stream.pipe(spool);
}

function askAuthServer(ctx: RequestContext, fa: ForwardAuth, next: Handler): void {
  const method = fa.preserveMethod ? ctx.method : 'GET';
  const headers = authRequestHeaders(ctx, fa.headers, goRequestUri(ctx.rawPath, ctx.rawQuery));
  const body = ctx.body !== null && ctx.body.length > 0 && fa.forwardBody ? ctx.body : null;
  // Go sends an explicit zero length for these methods without a body.
  if (body !== null) headers.push('Content-Length', String(body.length));
  else if (METHODS_WITH_BODY.has(method)) headers.push('Content-Length', '0');
  const request: ForwardRequest = { path: fa.path, method: method as Dispatcher.HttpMethod, headers, body: body === null ? null : body.open() };
  callAuthServer(fa.pool, request, ctx.res, fa.maxResponseBodySize, (outcome: AuthOutcome) => {
    try {
      settle(ctx, fa, next, outcome);
    } catch (err) {
      reportFault(ctx, 'handler', err);
      if (!ctx.res.headersSent) emptyAnswer(ctx, 500);
      else ctx.res.destroy();
    }
  });
}

function settle(ctx: RequestContext, fa: ForwardAuth, next: Handler, outcome: AuthOutcome): void {
  if (outcome.kind === 'client-gone' || ctx.res.clientGone) return;
  if (outcome.kind === 'failed') return emptyAnswer(ctx, 500);
  if (outcome.kind === 'too-large') return emptyAnswer(ctx, 401);
  const auth = outcome.answer;
  if (fa.headerField !== '') {
    const user = auth.headers[fa.headerField];
    const first = Array.isArray(user) ? user[0] : user;
    // The access log gets text: the auth server's bytes (UTF-8 for a name beyond ASCII) decoded.
    if (first !== undefined) ctx.username = textOnTheWire(first);
  }
  if (fa.signinUrl !== '' && auth.status === 401) {
    const redirect = goRedirect(fa.signinUrl, ctx.rawPath, ctx.method);
    answer(ctx, 302, redirect.headers, redirect.body);
    return;
  }
  if (auth.status < 200 || auth.status >= 300) return relayRefusal(ctx, fa, auth);
  letThrough(ctx, fa, auth);
  next(ctx);
}

/** A non-2xx from the auth server is the client's answer: its status, headers (Location resolved) and body. */
function relayRefusal(ctx: RequestContext, fa: ForwardAuth, auth: AuthAnswer): void {
  const headers: ResponseHeaders = {};
  for (const name in auth.headers) {
    const value = ownHeader(auth.headers, name);
    if (value === undefined || FORWARD_AUTH_HOP_BY_HOP.has(name)) continue;
    putHeader(headers, name, value);
  }
  const location = firstValue(auth.headers.location);
  if (location !== undefined && location !== '') {
    const resolved = fa.preserveLocation ? location : resolveLocation(location, fa.address);
    if (resolved === null) return emptyAnswer(ctx, 500);
    headers.location = resolved;
  }
  const bodyless = isBodilessStatus(auth.status);
  if (headers['content-length'] === undefined && !bodyless) headers['content-length'] = String(auth.body.length);
  answer(ctx, auth.status, headers, bodyless ? '' : auth.body);
}

/**
 * Go's Response.Location(): a relative Location is resolved against the auth request's URL (so `/login` from
 * http://auth:9000/verify becomes http://auth:9000/login); an absolute one is kept as written. null: unparsable.
 */
function resolveLocation(location: string, base: URL): string | null {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)) return location;
  try {
    return new URL(location, base).href;
  } catch {
    return null;
  }
}

/** A 2xx: the listed and matching auth headers replace the request's, and the auth cookies asked for join the answer. */
function letThrough(ctx: RequestContext, fa: ForwardAuth, auth: AuthAnswer): void {
  for (const h of fa.copyHeaders) {
    deleteRequestHeader(ctx, h.canonical);
    const values = auth.headers[h.lower];
    if (values === undefined) continue;
    for (const v of Array.isArray(values) ? values : [values]) addRequestHeader(ctx, h.canonical, v);
  }
  const re = fa.copyRegex;
  if (re !== null) {
    const raw = ctx.req.rawHeaders;
    const matching = new Set<string>();
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (name.charCodeAt(0) !== 58 && !NOT_COPIED.has(name.toLowerCase()) && re.test(canonicalHeaderKey(name))) matching.add(name);
    }
    for (const name of matching) deleteRequestHeader(ctx, name);
    for (const lower in auth.headers) {
      const canonical = canonicalHeaderKey(lower);
      const values = ownHeader(auth.headers, lower);
      if (values === undefined || NOT_COPIED.has(lower) || !re.test(canonical)) continue;
      deleteRequestHeader(ctx, canonical);
      for (const v of Array.isArray(values) ? values : [values]) addRequestHeader(ctx, canonical, v);
    }
  }
  if (fa.authCookies.size > 0) addAuthCookies(ctx, fa.authCookies, auth.headers['set-cookie']);
}

/**
 * addAuthCookiesToResponse: on the answer the client gets (the backend's, or any pe-edge writes), the cookies
 * of those names the backend set are replaced by the auth server's.
 */
function addAuthCookies(ctx: RequestContext, names: ReadonlySet<string>, authSetCookie: string | string[] | undefined): void {
  if (authSetCookie === undefined) return;
  const fromAuth = (Array.isArray(authSetCookie) ? authSetCookie : [authSetCookie]).filter((c) => names.has(cookieName(c)));
  if (fromAuth.length === 0) return;
  responseHooks(ctx).headers.push((_status: number, headers: ResponseHeaders) => {
    const current = headers['set-cookie'];
    const kept = current === undefined ? [] : (Array.isArray(current) ? current : [current]).filter((c) => !names.has(cookieName(c)));
    headers['set-cookie'] = [...kept, ...fromAuth];
  });
}

/** The name of a Set-Cookie value (before the first '='), as Go's cookie parser reads it. */
function cookieName(setCookie: string): string {
  const eq = setCookie.indexOf('=');
  return (eq === -1 ? '' : setCookie.slice(0, eq)).trim();
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Go's rw.WriteHeader(status) and nothing else: no body, no type. */
function emptyAnswer(ctx: RequestContext, status: number): void {
  answer(ctx, status, { 'content-length': '0' }, '');
}
