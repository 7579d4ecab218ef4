import type { RequestContext } from '../../http/request-context.js';
import { firstHeaderValue } from '../../http/request-header-edit.js';
import { entryPointProto, FORWARDED_HEADERS, forwardedPortFor } from '../../http/forwarded-headers.js';

/**
 * A request header as Traefik's router-level middlewares read it. Traefik's entrypoint drops an untrusted
 * peer's X-Forwarded-* and fills the blanks with its own values before any middleware runs; pe-edge does
 * that later, in the forwarder, so middlewares that read these headers ask here.
 */
export function requestHeaderAsTraefikSees(ctx: RequestContext, lower: string): string {
  const managed = FORWARDED_HEADERS.has(lower);
  const readable = !managed || ctx.trustForwarded || setByMiddleware(ctx.ownHeaders, lower);
  const sent = readable ? firstHeaderValue(ctx.req.headers[lower]) : '';
  if (sent !== '' || !managed) return sent;
  return OWN_VALUES.get(lower)?.(ctx) ?? '';
}

/** A middleware before this one set the header (customRequestHeaders, passTLSClientCert): Traefik's next handler sees it. */
function setByMiddleware(own: readonly string[] | null, lower: string): boolean {
  if (own === null) return false;
  for (let i = 0; i < own.length; i += 2) if ((own[i] as string).toLowerCase() === lower) return true;
  return false;
}

/**
 * The values Traefik's entrypoint fills in before the middlewares run. The rest of FORWARDED_HEADERS is set by the
 * reverse proxy itself after them (or by passTLSClientCert): middlewares never see an untrusted peer's value.
 */
const OWN_VALUES = new Map<string, (ctx: RequestContext) => string>([
  ['x-forwarded-proto', (ctx) => entryPointProto(ctx)],
  ['x-forwarded-host', (ctx) => ctx.hostHeader],
  ['x-forwarded-port', (ctx) => forwardedPortFor(ctx.hostHeader, entryPointProto(ctx), ctx.tls)],
  ['x-real-ip', (ctx) => ctx.clientIp],
]);
