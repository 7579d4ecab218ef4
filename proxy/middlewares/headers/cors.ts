import type { RequestContext, ResponseHeaders } from '../../http/request-context.js';
import type { HeadersOptions } from './headers-options.js';
import { answer } from '../../http/traefik-responses.js';
import { firstHeaderValue } from '../../http/request-header-edit.js';
import { textOnTheWire } from '../../http/utf8-on-the-wire.js';
import { compileGoRegexp, type GoRegexp } from '../../rules/go-regexp.js';

/**
 * CORS as Traefik's headers middleware does it (pkg/middlewares/headers/header.go of v3.7.9): preflight answered
 * here, the rest on the response. With credentials, browsers refuse a `*` in the allow/expose headers, so Traefik
 * echoes what the request asked for (origin, method, headers) and leaves a `*` expose list out.
 */
export class Cors {
  private readonly originList: readonly string[];
  private readonly originRegexes: readonly GoRegexp[];
  private readonly preflightHeaders: readonly (readonly [string, string])[];
  /** `*` in accessControlAllowHeaders / accessControlAllowMethods with credentials: echo the preflight's request. */
  private readonly echoRequestHeaders: boolean;
  private readonly echoRequestMethod: boolean;
  readonly credentials: boolean;
  readonly exposeHeaders: string;
  readonly addVary: boolean;
  /** Whether the response side can depend on the request's Origin. */
  readonly checksOrigin: boolean;
  /** Sent on preflights only when configured (v3.7.9 header.go:178: `if AccessControlMaxAge != nil`; before v3.6.22 always, 0 by default). */
  private readonly maxAge: string | null;

  constructor(o: HeadersOptions) {
    this.originList = o.accessControlAllowOriginList ?? [];
    this.originRegexes = (o.accessControlAllowOriginListRegex ?? []).map(compileOrigin);
    this.credentials = o.accessControlAllowCredentials === true;
    const expose = o.accessControlExposeHeaders ?? [];
    this.exposeHeaders = expose.includes('*') && this.credentials ? '' : expose.join(',');
    this.addVary = o.addVaryHeader === true;
    this.checksOrigin = this.originList.length !== 0 || this.originRegexes.length !== 0;
    const pre: [string, string][] = [];
    if (this.credentials) pre.push(['access-control-allow-credentials', 'true']);
    const allowHeaders = o.accessControlAllowHeaders ?? [];
    this.echoRequestHeaders = allowHeaders.includes('*') && this.credentials;
    if (!this.echoRequestHeaders && allowHeaders.length !== 0) pre.push(['access-control-allow-headers', allowHeaders.join(',')]);
    const allowMethods = o.accessControlAllowMethods ?? [];
    this.echoRequestMethod = allowMethods.includes('*') && this.credentials;
    if (!this.echoRequestMethod && allowMethods.length !== 0) pre.push(['access-control-allow-methods', allowMethods.join(',')]);
    this.preflightHeaders = pre;
    this.maxAge = o.accessControlMaxAge === undefined ? null : String(Math.trunc(o.accessControlMaxAge));
  }

  /** OPTIONS with Origin and Access-Control-Request-Method: answered 200 here, never forwarded. */
  isPreflight(ctx: RequestContext): boolean {
    return ctx.method === 'OPTIONS' && headerValue(ctx, 'origin') !== '' && headerValue(ctx, 'access-control-request-method') !== '';
  }

  answerPreflight(ctx: RequestContext): void {
    const headers: ResponseHeaders = {};
    for (const [name, value] of this.preflightHeaders) headers[name] = value;
    if (this.echoRequestHeaders) {
      const requested = headerValue(ctx, 'access-control-request-headers');
      if (requested !== '') headers['access-control-allow-headers'] = requested;
    }
    if (this.echoRequestMethod) headers['access-control-allow-methods'] = headerValue(ctx, 'access-control-request-method');
    const match = this.allowedOrigin(headerValue(ctx, 'origin'));
    if (match !== null) headers['access-control-allow-origin'] = match;
    if (this.maxAge !== null) headers['access-control-max-age'] = this.maxAge;
    if (this.exposeHeaders !== '') headers['access-control-expose-headers'] = this.exposeHeaders;
    headers['content-length'] = '0';
    answer(ctx, 200, headers, '');
  }

  /**
   * The Access-Control-Allow-Origin value for this Origin: the list item, a regex match echoes it. `*` stays
   * `*`, except with credentials, which browsers refuse with a wildcard: then it echoes the Origin (v3.6.22).
   */
  allowedOrigin(origin: string): string | null {
    for (const item of this.originList) {
      if (item === origin) return item;
      if (item === '*') return this.credentials ? origin : item;
    }
    if (this.originRegexes.length === 0) return null;
    // Go's regexp reads the Origin's bytes as UTF-8: `é` in a pattern matches the two bytes a browser sends for it.
    const text = textOnTheWire(origin);
    for (const re of this.originRegexes) {
      if (re.test(text)) return origin;
    }
    return null;
  }

  /** The non-preflight response headers, after customResponseHeaders (Traefik's order). */
  applyResponse(headers: ResponseHeaders, allowOrigin: string | null): void {
    if (allowOrigin !== null) headers['access-control-allow-origin'] = allowOrigin;
    if (this.credentials) headers['access-control-allow-credentials'] = 'true';
    if (this.exposeHeaders !== '') headers['access-control-expose-headers'] = this.exposeHeaders;
    if (!this.addVary) return;
    const current = headers['vary'];
    const vary = firstHeaderValue(current);
    if (vary === 'Origin') return;
    headers['vary'] = vary === '' ? 'Origin' : vary + ',Origin';
  }

  /** The list items, each a possible Access-Control-Allow-Origin value that needs no per-request closure. */
  listItems(): readonly string[] {
    return this.originList;
  }
}

/** Go's regexp.MatchString is unanchored, as GoRegexp.test is. */
function compileOrigin(source: string): GoRegexp {
  try {
    return compileGoRegexp(source, 'accessControlAllowOriginListRegex');
  } catch (err) {
    // Go's own words ("error parsing regexp: ..."), as Traefik wraps them.
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new Error(`error occurred during origin parsing: accessControlAllowOriginListRegex "${source}": ${reason}`);
  }
}

function headerValue(ctx: RequestContext, lower: string): string {
  return firstHeaderValue(ctx.req.headers[lower]);
}
