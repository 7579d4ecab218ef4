import { hostname } from 'node:os';
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

/**
 * One of that family, also spelled with underscores (X_Forwarded_For): Go keeps such a name apart, and Traefik's
 * entrypoint drops an untrusted peer's too (v3.6.14, traefik#12961), since CGI/WSGI servers, nginx with
 * `underscores_in_headers` and many frameworks read it as the dashed name.
 */
export function isForwardedHeader(lower: string): boolean {
  return FORWARDED_HEADERS.has(lower) || (lower.includes('_') && FORWARDED_HEADERS.has(lower.replaceAll('_', '-')));
}

/**
 * The headers Traefik's entrypoint sets on every request before any middleware runs (lower-case). A middleware that
 * deletes one (customRequestHeaders `X-Real-Ip: ""`) leaves none upstream: nothing adds it again in Traefik.
 */
export const ENTRYPOINT_SET_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server', 'x-real-ip',
]);

/** Whether a middleware deleted this entrypoint-set header (lower-case) from the request: then the edge sets none. */
export function deletedByMiddleware(ctx: Pick<RequestContext, 'deletedForwarded'>, lower: string): boolean {
  return ctx.deletedForwarded !== null && ctx.deletedForwarded.includes(lower);
}

/** X-Forwarded-Server: the host's name, as Traefik's entrypoint sets it. */
export const FORWARDED_SERVER_NAME = hostname();

/** X-Forwarded-Proto as the entrypoint sets it (Traefik's forwardedheaders): `ws`/`wss` for an upgrade, else `http`/`https`. */
export function entryPointProto(ctx: Pick<RequestContext, 'upgrade' | 'tls'>): string {
  return ctx.upgrade !== null ? (ctx.tls ? 'wss' : 'ws') : ctx.tls ? 'https' : 'http';
}

/** X-Forwarded-Port for the request's X-Forwarded-Proto (a trusted client's or the entrypoint's): the Host's port, else the scheme's. */
export function forwardedPortFor(hostHeader: string, proto: string, tls: boolean): string {
  return forwardedPort(hostHeader, proto === 'https' || proto === 'wss' || tls);
}
