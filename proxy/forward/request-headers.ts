import type { RequestContext } from '../http/request-context.js';
import { deletedByMiddleware, entryPointProto, FORWARDED_HEADERS, FORWARDED_SERVER_NAME, forwardedPortFor, isForwardedHeader } from '../http/forwarded-headers.js';
import { REQUEST_HOP_BY_HOP } from '../http/hop-by-hop.js';
import { asksForTrailers } from '../http/trailers.js';
import { upstreamTrailerAnnouncement } from '../http/request-trailers.js';

/** The spelling Traefik sends each entrypoint-set header in. */
const FORWARDED_NAME: Readonly<Record<string, string>> = {
  'x-forwarded-host': 'X-Forwarded-Host', 'x-forwarded-port': 'X-Forwarded-Port', 'x-forwarded-proto': 'X-Forwarded-Proto',
  'x-forwarded-server': 'X-Forwarded-Server', 'x-real-ip': 'X-Real-Ip',
};

export interface HeaderPolicy {
  /** Keep incoming X-Forwarded-* from this peer (forwardedHeaders.insecure / trustedIPs). */
  trusted: boolean;
  /** Host header sent upstream: the client's (passHostHeader) or the server's host:port. */
  host: string;
}

/**
 * Builds the upstream header list as a flat [name, value, ...] array (what undici takes without
 * re-parsing), keeping the client's spelling. X-Forwarded-* are set as Traefik sets them.
 */
/** A Content-Length as the fronts accept it: digits only (node and the lean front refuse anything else). */
const DIGITS = /^\d{1,15}$/;

export function buildUpstreamHeaders(ctx: RequestContext, policy: HeaderPolicy): string[] {
  const raw = ctx.req.rawHeaders;
  const out: string[] = [];
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let xfPort: string | undefined;
  let realIp: string | undefined;
  let teTrailers = false;

  // An untrusted peer's X-Forwarded-* are dropped, but those a middleware set (stripPrefix's
  // X-Forwarded-Prefix) are the proxy's own: they are read again, after rawHeaders, as trusted.
  const own = policy.trusted ? undefined : (ctx.ownHeaders ?? undefined);
  const total = own === undefined ? raw.length : raw.length + own.length;
  for (let i = 0; i < total; i += 2) {
    const fromMiddleware = i >= raw.length;
    const list = fromMiddleware ? (own as readonly string[]) : raw;
    const at = fromMiddleware ? i - raw.length : i;
    const name = list[at] as string;
    const value = list[at + 1] as string;
    if (name.charCodeAt(0) === 58 /* ':' HTTP/2 pseudo-header */) continue;
    const lower = name.toLowerCase();
    if (fromMiddleware && !isForwardedHeader(lower)) continue; // already in rawHeaders
    // An X_Forwarded_* spelling too (Traefik v3.6.14): backends behind CGI, WSGI or nginx read it as the dashed name.
    if (!policy.trusted && !fromMiddleware && isForwardedHeader(lower)) continue;
    if (lower === 'host' || REQUEST_HOP_BY_HOP.has(lower)) {
      // Go's ReverseProxy keeps exactly `TE: trailers` (gRPC servers require it); every other TE value is dropped.
      if (lower === 'te' && !teTrailers && asksForTrailers(value)) {
        teTrailers = true;
        out.push('Te', 'trailers');
      }
      continue;
    }
    if (lower === 'content-length') {
      // A body read whole by a middleware goes out with its own length (Go's buffering does the same); otherwise the
      // length goes out as the number it is, as Go's transport writes it (`0003` is sent `3`).
      if (ctx.body === null) out.push(name, DIGITS.test(value) ? String(Number(value)) : value);
      continue;
    }
    if (FORWARDED_HEADERS.has(lower)) {
      // These are rewritten below; remember what a trusted peer sent.
      if (lower === 'x-forwarded-for') { xff = xff === undefined ? value : `${xff}, ${value}`; continue; }
      if (lower === 'x-forwarded-server') continue;
      if (lower === 'x-forwarded-proto') xfProto ??= value;
      else if (lower === 'x-forwarded-host') xfHost ??= value;
      else if (lower === 'x-forwarded-port') xfPort ??= value;
      else if (lower === 'x-real-ip') realIp ??= value;
      else { out.push(name, value); continue; }
      continue;
    }
    out.push(name, value);
  }

  if (ctx.body !== null) out.push('Content-Length', String(ctx.body.length));
  // The trailer names the client announced, never their values (request-trailers.ts).
  const trailer = upstreamTrailerAnnouncement(ctx.req.headers, ctx.req.httpVersionMajor);
  if (trailer !== null) out.push('Trailer', trailer);
  const proto = xfProto ?? entryPointProto(ctx);
  out.push('Host', policy.host);
  if (ctx.omitForwardedFor) { /* customRequestHeaders X-Forwarded-For: "" sends none */ }
  // notAppendXForwardedFor: a trusted peer's list goes on unchanged; an untrusted peer's was dropped above, so none.
  else if (ctx.notAppendForwardedFor) { if (xff !== undefined) out.push('X-Forwarded-For', xff); }
  else out.push('X-Forwarded-For', xff === undefined ? ctx.clientIp : `${xff}, ${ctx.clientIp}`);
  if (ctx.deletedForwarded === null) {
    out.push(
      'X-Forwarded-Host', xfHost ?? ctx.hostHeader,
      'X-Forwarded-Port', xfPort ?? forwardedPortFor(ctx.hostHeader, proto, ctx.tls),
      'X-Forwarded-Proto', proto,
      'X-Forwarded-Server', FORWARDED_SERVER_NAME,
      'X-Real-Ip', realIp ?? ctx.clientIp,
    );
    return out;
  }
  // A middleware deleted some of them (customRequestHeaders ""): those go up only with a value set after that.
  const edgeSet = (lower: string, value: string | undefined, fallback: string): void => {
    if (value !== undefined) out.push(FORWARDED_NAME[lower] as string, value);
    else if (!deletedByMiddleware(ctx, lower)) out.push(FORWARDED_NAME[lower] as string, fallback);
  };
  edgeSet('x-forwarded-host', xfHost, ctx.hostHeader);
  edgeSet('x-forwarded-port', xfPort, forwardedPortFor(ctx.hostHeader, proto, ctx.tls));
  edgeSet('x-forwarded-proto', xfProto, proto);
  edgeSet('x-forwarded-server', undefined, FORWARDED_SERVER_NAME);
  edgeSet('x-real-ip', realIp, ctx.clientIp);
  return out;
}
