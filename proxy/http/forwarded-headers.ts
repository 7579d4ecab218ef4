import type { RequestContext } from './request-context.js';
import { forwardedPort } from './request-target.js';

/**
 * The X-Forwarded-* family Traefik manages itself (its forwardedheaders xHeaders), lower-case: an untrusted
 * peer's values are dropped, and a client's Connection header cannot remove them.
 */
export const FORWARDED_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server',
  'x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-prefix', 'x-forwarded-tls-client-cert',
  'x-forwarded-tls-client-cert-info', 'x-real-ip',
]);

/** X-Forwarded-Proto as the entrypoint sets it (Traefik's forwardedheaders): `ws`/`wss` for an upgrade, else `http`/`https`. */
export function entryPointProto(ctx: Pick<RequestContext, 'upgrade' | 'tls'>): string {
  return ctx.upgrade !== null ? (ctx.tls ? 'wss' : 'ws') : ctx.tls ? 'https' : 'http';
}

/** X-Forwarded-Port for the request's X-Forwarded-Proto (a trusted client's or the entrypoint's): the Host's port, else the scheme's. */
export function forwardedPortFor(hostHeader: string, proto: string, tls: boolean): string {
  return forwardedPort(hostHeader, proto === 'https' || proto === 'wss' || tls);
}
