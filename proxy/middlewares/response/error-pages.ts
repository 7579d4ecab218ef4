import type { IncomingHttpHeaders } from 'node:http';
import { responseHooks, type Handler, type ProxyRequest, type RequestContext, type ResponseHooks, type StatusCatcher } from '../../http/request-context.js';
import { sendGoStatusError } from '../../http/traefik-responses.js';
import { runExchange } from '../../http/run-exchange.js';
import { qualify } from '../../runtime/qualified-name.js';
import { freshScope, type MiddlewareScope } from '../middleware-entry.js';
import { matcherPath, pathBytes, pathUnescapeError } from '../paths/escaped-path.js';
import { goEscapedPath } from '../../http/go-escaped-path.js';
import { goQueryEscape } from '../../http/go-text.js';
import { inStatusRanges, parseStatusRanges, type StatusRanges } from '../../http/status-ranges.js';

/** labels-spec `errors`, validated and defaulted. */
export interface ErrorPagesOptions {
  status: string[];
  service: string;
  query: string;
  /** v3.4: caught status (or range) → status sent with the page. */
  statusRewrites?: Record<string, number> | undefined;
  /** v3.6: the request headers the page request carries; unset = all of them, [] = none. */
  errorRequestHeaders?: string[] | undefined;
}

// Go's Request.Write never sends these from the header map; the page request is a GET without a body.
const NOT_COPIED = new Set(['host', 'content-length', 'transfer-encoding', 'trailer']);

/** Built once per middleware instance: what every caught answer of its router needs. */
interface ErrorPages {
  readonly ranges: StatusRanges;
  readonly rewrites: readonly (readonly [StatusRanges, number])[];
  readonly service: Handler;
  readonly query: string;
  /** Lower-case names of the headers to copy; null copies them all. */
  readonly copied: ReadonlySet<string> | null;
}

/**
 * Traefik's errors (customErrors): an answer whose status is in `status`, the upstream's or one pe-edge
 * produced inside the middleware (a 502, a 503, a 429), is dropped, and `service` is asked for
 * `GET <query>` with the request's Host and headers; its answer goes to the client with the caught status
 * (or its `statusRewrites` value). Other answers stream through untouched.
 */
export function createErrorPages(options: ErrorPagesOptions, next: Handler, scope: MiddlewareScope = freshScope): Handler {
  const ranges = parseStatusRanges(options.status, 'errors.status');
  const rewrites = Object.entries(options.statusRewrites ?? {}).map(([from, to]) => {
    if (!Number.isInteger(to) || to < 200 || to > 999) throw new Error(`errors.statusRewrites.${from}: ${to} is not a status an error page can be sent with (200-999)`);
    return [parseStatusRanges([from], `errors.statusRewrites.${from}`), to] as const;
  });
  const serviceName = qualify(options.service, scope.middleware);
  const service = scope.services(serviceName);
  if (service instanceof Error) throw service;
  const headers = options.errorRequestHeaders;
  const pages: ErrorPages = {
    ranges,
    rewrites,
    service,
    query: options.query === '' ? '' : '/' + (options.query.startsWith('/') ? options.query.slice(1) : options.query),
    copied: headers === undefined ? null : new Set(headers.map((h) => h.toLowerCase())),
  };
  return (ctx: RequestContext): void => {
    const hooks = responseHooks(ctx);
    const catchers = (hooks.catchers ??= []);
    catchers.push(new Catcher(pages, ctx, hooks, catchers.length));
    next(ctx);
  };
}

/**
 * One request's place in the response path: what the middlewares around this one asked for (their header
 * hooks, body and hold hooks, errors middlewares further out) is all the error page goes through.
 */
class Catcher implements StatusCatcher {
  private readonly outerHeaderHooks: number;
  private readonly outerBody: ResponseHooks['body'];
  private readonly outerHold: ResponseHooks['hold'];
  private served = false;

  constructor(
    private readonly pages: ErrorPages,
    private readonly ctx: RequestContext,
    hooks: ResponseHooks,
    private readonly outerCatchers: number,
  ) {
    this.outerHeaderHooks = hooks.headers.length;
    this.outerBody = hooks.body;
    this.outerHold = hooks.hold;
  }

  catches(status: number): boolean {
    return !this.served && inStatusRanges(this.pages.ranges, status);
  }

  serve(caught: number): void {
    if (this.served) return;
    this.served = true;
    let code = caught;
    for (const [from, to] of this.pages.rewrites) {
      if (inStatusRanges(from, caught)) {
        code = to;
        break;
      }
    }
    const page = this.pageContext(code, caught);
    if (page instanceof Error) {
      // Traefik: the page request cannot be built, http.Error with the status text.
      const fallback = this.pageContext(code, caught, '');
      if (!(fallback instanceof Error)) sendGoStatusError(fallback, code);
      return;
    }
    runExchange(page, this.pages.service);
  }

  /** The page request: GET <query> for the same Host, headers copied, answered through the outer hooks only. */
  private pageContext(code: number, caught: number, query = this.pages.query): RequestContext | Error {
    const ctx = this.ctx;
    const target = query
      .replaceAll('{status}', String(code))
      .replaceAll('{originalStatus}', String(caught))
      .replaceAll('{url}', () => goQueryEscape(originalUrl(ctx)));
    const parsed = pageTarget(target);
    if (parsed instanceof Error) return parsed;
    const outer = ctx.response as ResponseHooks;
    const response: ResponseHooks = {
      headers: outer.headers.slice(0, this.outerHeaderHooks),
      body: this.outerBody,
      hold: this.outerHold,
      catchers: this.outerCatchers === 0 ? null : (outer.catchers as StatusCatcher[]).slice(0, this.outerCatchers),
      status: code,
      // An error page's own trailers (seldom any) go to the client: the hook, one slot, may be an inner middleware's.
      trailers: null,
    };
    const req = pageRequest(ctx, this.pages.copied, parsed.uri);
    const page: RequestContext = {
      ...ctx,
      req,
      method: 'GET',
      path: matcherPath(parsed.rawPath),
      rawPath: parsed.rawPath,
      rawQuery: parsed.rawQuery,
      pathRewritten: true,
      body: null,
      upgrade: null,
      retry: null,
      retries: 0,
      response,
      ownHeaders: this.pages.copied === null ? ctx.ownHeaders : filterFlat(ctx.ownHeaders, this.pages.copied),
    };
    // The bytes the page sends are what access log and metrics report for this request.
    Object.defineProperty(page, 'bytesSent', { get: () => ctx.bytesSent, set: (n: number) => { ctx.bytesSent = n; } });
    return page;
  }
}

/** The page request's path and query as Go's url.Parse and RequestURI give them, or the error Go reports. */
function pageTarget(target: string): { rawPath: string; rawQuery: string; uri: string } | Error {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(target)) return new Error('error pages: invalid control character in URL');
  const hash = target.indexOf('#');
  const withoutFragment = hash === -1 ? target : target.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  const path = q === -1 ? withoutFragment : withoutFragment.slice(0, q);
  const rawQuery = q === -1 ? '' : withoutFragment.slice(q + 1);
  const invalid = pathUnescapeError(path) ?? (hash === -1 ? null : pathUnescapeError(target.slice(hash + 1)));
  if (invalid !== null) return new Error(`error pages: error when parse URL: ${invalid}`);
  const rawPath = path === '' ? '/' : pathBytes(path);
  const uri = goEscapedPath(rawPath);
  return { rawPath, rawQuery, uri: rawQuery === '' ? uri : `${uri}?${rawQuery}` };
}

/** The request URL `{url}` stands for (Traefik v3.5.2+): scheme, Host, Go's EscapedPath() and query. */
function originalUrl(ctx: RequestContext): string {
  return `${ctx.tls ? 'https' : 'http'}://${ctx.hostHeader}${goEscapedPath(ctx.rawPath)}${ctx.rawQuery === '' ? '' : '?' + ctx.rawQuery}`;
}

/** The original request's headers (all, or the listed ones), without a body's framing, for a GET of `uri`. */
function pageRequest(ctx: RequestContext, copied: ReadonlySet<string> | null, uri: string): ProxyRequest {
  const original = ctx.req;
  const raw = original.rawHeaders;
  const rawHeaders: string[] = [];
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name.charCodeAt(0) === 58 /* ':' HTTP/2 pseudo-header */) continue;
    const lower = name.toLowerCase();
    if (NOT_COPIED.has(lower) || (copied !== null && !copied.has(lower))) continue;
    rawHeaders.push(name, value);
    const seen = headers[lower];
    // Pushed, never copied: a client may send thousands of them, and a copy per line costs their count squared.
    if (lower === 'set-cookie') (headers['set-cookie'] ??= []).push(value);
    else headers[lower] = seen === undefined ? value : `${String(seen)}, ${value}`;
  }
  return { method: 'GET', url: uri, headers, rawHeaders, httpVersion: '1.1', httpVersionMajor: 1, socket: original.socket, bodyStream: null };
}

function filterFlat(flat: string[] | null, copied: ReadonlySet<string>): string[] | null {
  if (flat === null) return null;
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (copied.has((flat[i] as string).toLowerCase())) out.push(flat[i] as string, flat[i + 1] as string);
  return out.length === 0 ? null : out;
}
