import type { RequestContext } from '../../http/request-context.js';
import { firstHeaderValue } from '../../http/request-header-edit.js';
import { entryPointProto, forwardedPortFor } from '../../http/forwarded-headers.js';

/**
 * A request header as Traefik's router-level middlewares read it. Traefik's entrypoint drops an untrusted
 * peer's X-Forwarded-* and fills the blanks with its own values before any middleware runs; pe-edge does
 * that later, in the forwarder, so middlewares that read these headers ask here.
 */
export function requestHeaderAsTraefikSees(ctx: RequestContext, lower: string): string {
  const own = OWN_VALUES.get(lower);
  const sent = own === undefined || ctx.trustForwarded ? firstHeaderValue(ctx.req.headers[lower]) : '';
  if (sent !== '' || own === undefined) return sent;
  return own(ctx);
}

const OWN_VALUES = new Map<string, (ctx: RequestContext) => string>([
  ['x-forwarded-proto', (ctx) => entryPointProto(ctx)],
  ['x-forwarded-host', (ctx) => ctx.hostHeader],
  ['x-forwarded-port', (ctx) => forwardedPortFor(ctx.hostHeader, entryPointProto(ctx), ctx.tls)],
  ['x-real-ip', (ctx) => ctx.clientIp],
  // Set by the reverse proxy itself after the middlewares: they never see a value from an untrusted peer.
  ['x-forwarded-for', () => ''],
  ['x-forwarded-server', () => ''],
  ['x-forwarded-uri', () => ''],
  ['x-forwarded-method', () => ''],
  ['x-forwarded-prefix', () => ''],
]);
