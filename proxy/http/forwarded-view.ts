import type { RequestContext } from './request-context.js';
import { firstHeaderValue } from './request-header-edit.js';
import { deletedByMiddleware, entryPointProto, FORWARDED_SERVER_NAME, forwardedPortFor, isForwardedHeader } from './forwarded-headers.js';

/*
 * Request headers as Traefik's routers and middlewares read them. Traefik's entrypoint drops an untrusted peer's
 * X-Forwarded-* (and their X_Forwarded_* spellings) and fills the blanks with its own values before any rule is
 * matched or middleware runs; pe-edge keeps the client's lines in the request (the forwarder drops them on the way
 * up), so everything that reads one of these headers before then reads it here: a Header rule, a rateLimit's
 * requestHeaderName, redirectScheme's X-Forwarded-Proto, the headers middleware.
 */

/** Go's Header.Get of `lower` (lower-case) as Traefik's handlers see it: its first line, '' when there is none. */
export function requestHeaderAsTraefikSees(ctx: RequestContext, lower: string): string {
  if (!isForwardedHeader(lower)) return firstHeaderValue(ctx.req.headers[lower]);
  return forwardedHeaderLines(ctx, lower)[0] ?? '';
}

/**
 * Every line of a header of the X-Forwarded-* family (`lower`, lower-case) as Traefik's handlers see it: a
 * trusted peer's lines (X-Forwarded-For joined into one, as the entrypoint joins them), an untrusted peer's none,
 * plus those a middleware set; then the entrypoint's own value where that leaves the header empty.
 */
export function forwardedHeaderLines(ctx: RequestContext, lower: string): string[] {
  const lines = ctx.trustForwarded ? linesOf(ctx.req.rawHeaders, lower) : linesOf(ctx.ownHeaders, lower);
  if (lower === 'x-forwarded-server') {
    // The entrypoint replaces it whoever sent it; only a later middleware's value stands.
    const own = linesOf(ctx.ownHeaders, lower);
    return own.length > 0 || deletedByMiddleware(ctx, lower) ? own : [FORWARDED_SERVER_NAME];
  }
  if (lower === 'x-forwarded-for' && lines.length > 1) return [lines.join(', ')];
  // A value, or none since a middleware deleted the entrypoint's (customRequestHeaders "").
  if ((lines[0] ?? '') !== '' || deletedByMiddleware(ctx, lower)) return lines;
  const own = ENTRYPOINT_VALUES.get(lower);
  return own === undefined ? lines : [own(ctx)];
}

/** The values of `lower` in a flat [name, value, ...] list, in order. */
function linesOf(flat: readonly string[] | null, lower: string): string[] {
  const out: string[] = [];
  if (flat === null) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    if (name.length === lower.length && name.toLowerCase() === lower) out.push(flat[i + 1] as string);
  }
  return out;
}

/** The values Traefik's entrypoint fills in when the header is empty (forwardedheaders' rewrite). */
const ENTRYPOINT_VALUES = new Map<string, (ctx: RequestContext) => string>([
  ['x-forwarded-proto', (ctx) => entryPointProto(ctx)],
  ['x-forwarded-host', (ctx) => ctx.hostHeader],
  ['x-forwarded-port', (ctx) => forwardedPortFor(ctx.hostHeader, requestHeaderAsTraefikSees(ctx, 'x-forwarded-proto'), ctx.tls)],
  ['x-real-ip', (ctx) => ctx.clientIp],
]);
