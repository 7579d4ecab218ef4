import { deletedByMiddleware, entryPointProto, FORWARDED_HEADERS, FORWARDED_SERVER_NAME, forwardedPortFor, isForwardedHeader } from '../../http/forwarded-headers.js';
import { connectionTokens, FORWARD_AUTH_HOP_BY_HOP } from '../../http/hop-by-hop.js';
import type { RequestContext } from '../../http/request-context.js';

/**
 * forwardAuth's `trustForwardHeader`, three ways since Traefik v3.6.14: unset keeps the old behaviour (the
 * five X-Forwarded-* it sets replace the request's, any other one, X-Forwarded-Prefix included, passes),
 * false drops every X-Forwarded-* before setting its own, true keeps the request's and fills the gaps.
 */
export type ForwardHeaderTrust = 'legacy' | 'drop' | 'trust';

export interface AuthHeaderPolicy {
  readonly trust: ForwardHeaderTrust;
  /** `authRequestHeaders`, lower-case; null sends every header. */
  readonly allowed: ReadonlySet<string> | null;
  /** The Host of the auth request: the address's authority. */
  readonly host: string;
}

/**
 * The auth request's headers as a flat [name, value, ...] list, Host first: a copy of the request's headers
 * as Traefik's middlewares see them (the entrypoint's X-Forwarded-* included), minus hop-by-hop ones, filtered
 * by `authRequestHeaders`, then X-Forwarded-For/-Method/-Proto/-Host/-Uri (and -Port) set as forward.go sets them.
 * `requestUri` is Go's req.URL.RequestURI(): the path as forwarded (after earlier middlewares) and the query.
 */
export function authRequestHeaders(ctx: RequestContext, policy: AuthHeaderPolicy, requestUri: string): string[] {
  const copy = headersAsTraefikSees(ctx);
  const listed = ctx.req.headers.connection === undefined ? null : new Set(connectionTokens(ctx.req.headers.connection));
  const trust = policy.trust;
  let kept: [string, string][] = [];
  for (const pair of copy) {
    const lower = pair[0].toLowerCase();
    if (FORWARD_AUTH_HOP_BY_HOP.has(lower) || (listed !== null && listed.has(lower))) continue;
    if (trust === 'drop' && isForwardedHeader(lower)) continue;
    kept.push(pair);
  }
  if (policy.allowed !== null) {
    const allowed = policy.allowed;
    // Trusted X-Forwarded-* pass the filter (Traefik appends them to the list).
    kept = kept.filter(([name]) => {
      const lower = name.toLowerCase();
      return allowed.has(lower) || (trust === 'trust' && FORWARDED_HEADERS.has(lower));
    });
  }

  const out: string[] = ['Host', policy.host];
  let priorFor: string | undefined;
  const present = new Set<string>();
  for (const [name, value] of kept) {
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      priorFor = priorFor === undefined ? value : `${priorFor}, ${value}`;
      continue;
    }
    if (trust === 'legacy' && SET_BY_LEGACY.has(lower)) continue;
    present.add(lower);
    out.push(name, value);
  }
  const ip = ctx.clientIp;
  out.push('X-Forwarded-For', trust === 'trust' && priorFor !== undefined ? `${priorFor}, ${ip}` : ip);
  const proto = ctx.tls ? 'https' : 'http';
  if (trust === 'legacy') {
    out.push('X-Forwarded-Proto', proto, 'X-Forwarded-Method', ctx.method, 'X-Forwarded-Host', ctx.hostHeader, 'X-Forwarded-Uri', requestUri);
    return out;
  }
  // Go's Header.Get on what the copy holds: the first value of the name.
  const first = (lower: string): string | undefined => {
    for (let i = 2; i < out.length; i += 2) if ((out[i] as string).toLowerCase() === lower) return out[i + 1];
    return undefined;
  };
  if (!present.has('x-forwarded-method')) out.push('X-Forwarded-Method', ctx.method);
  if (!present.has('x-forwarded-proto')) out.push('X-Forwarded-Proto', proto);
  if (!present.has('x-forwarded-port')) {
    const xfp = first('x-forwarded-proto');
    out.push('X-Forwarded-Port', forwardedPortFor(ctx.hostHeader, xfp ?? '', ctx.tls));
  }
  if (!present.has('x-forwarded-host')) out.push('X-Forwarded-Host', ctx.hostHeader);
  if (!present.has('x-forwarded-uri')) out.push('X-Forwarded-Uri', requestUri);
  return out;
}

/** The headers the old behaviour always replaces (X-Forwarded-For is rebuilt in every mode). */
const SET_BY_LEGACY: ReadonlySet<string> = new Set(['x-forwarded-proto', 'x-forwarded-method', 'x-forwarded-host', 'x-forwarded-uri']);

/**
 * The request's headers as Traefik's req.Header holds them when a middleware runs: an untrusted peer's
 * X-Forwarded-* dropped (the ones middlewares set kept), then the entrypoint's X-Real-Ip, X-Forwarded-Proto,
 * -Port, -Host where empty and its X-Forwarded-Server. Host and Content-Length are no headers there.
 */
function headersAsTraefikSees(ctx: RequestContext): [string, string][] {
  const raw = ctx.req.rawHeaders;
  const trusted = ctx.trustForwarded;
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.charCodeAt(0) === 58 /* ':' HTTP/2 pseudo-header */) continue;
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length') continue;
    if (!trusted && isForwardedHeader(lower)) continue;
    out.push([name, raw[i + 1] as string]);
  }
  if (!trusted && ctx.ownHeaders !== null) {
    const own = ctx.ownHeaders;
    for (let i = 0; i < own.length; i += 2) {
      if (FORWARDED_HEADERS.has((own[i] as string).toLowerCase())) out.push([own[i] as string, own[i + 1] as string]);
    }
  }
  // What the entrypoint set, unless a middleware before this one deleted it (customRequestHeaders "").
  const has = (lower: string): boolean => deletedByMiddleware(ctx, lower) || out.some(([n, v]) => v !== '' && n.toLowerCase() === lower);
  if (!has('x-real-ip')) out.push(['X-Real-Ip', ctx.clientIp]);
  let proto = out.find(([n]) => n.toLowerCase() === 'x-forwarded-proto')?.[1] ?? '';
  if (proto === '') proto = entryPointProto(ctx);
  if (!has('x-forwarded-proto')) out.push(['X-Forwarded-Proto', proto]);
  if (!has('x-forwarded-port')) out.push(['X-Forwarded-Port', forwardedPortFor(ctx.hostHeader, proto, ctx.tls)]);
  if (!has('x-forwarded-host') && ctx.hostHeader !== '') out.push(['X-Forwarded-Host', ctx.hostHeader]);
  const all = out.filter(([n]) => n.toLowerCase() !== 'x-forwarded-server');
  if (!deletedByMiddleware(ctx, 'x-forwarded-server')) all.push(['X-Forwarded-Server', FORWARDED_SERVER_NAME]);
  return all;
}
