import type { Handler, RequestContext } from '../http/request-context.js';
import { sendStatusText } from '../http/traefik-responses.js';
import { hostWithoutPort } from '../http/request-target.js';
import { requestHeaderAsTraefikSees } from '../http/forwarded-view.js';
import { currentRequestUri } from '../http/go-escaped-path.js';

export interface RedirectSchemeOptions {
  scheme: string;
  port?: string | undefined;
  permanent?: boolean | undefined;
  /** v3.6: 308 for every method, GET included, whatever `permanent` says. */
  forcePermanentRedirect?: boolean | undefined;
}

/**
 * Traefik's redirectScheme: rebuild the URL with the target scheme (and port, default ports dropped);
 * when it equals the current URL the request passes through, so a redirect can never loop.
 */
export function createRedirectScheme(options: RedirectSchemeOptions, next: Handler): Handler {
  const scheme = options.scheme.toLowerCase();
  const port = options.port === undefined || options.port === '' ? '' : options.port.replace(/^:/, '');
  const targetPort = (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443') ? '' : port;
  const permanent = options.permanent === true;
  const status = options.forcePermanentRedirect === true ? 308 : undefined;
  return (ctx: RequestContext): void => {
    const current = currentUrl(ctx);
    const hostOnly = hostWithoutPort(ctx.hostHeader);
    const target = `${scheme}://${hostOnly}${targetPort === '' ? '' : ':' + targetPort}${currentRequestUri(ctx)}`;
    if (target === current) {
      next(ctx);
      return;
    }
    sendRedirect(ctx, target, permanent, status);
  };
}

/**
 * The request URL as Traefik reconstructs it: X-Forwarded-Proto wins (a trusted peer's, else the entrypoint's:
 * an untrusted client's `https` never skips the redirect), default ports stripped.
 */
function currentUrl(ctx: RequestContext): string {
  let scheme = ctx.tls ? 'https' : 'http';
  const v = requestHeaderAsTraefikSees(ctx, 'x-forwarded-proto').toLowerCase();
  if (v === 'http' || v === 'ws') scheme = 'http';
  else if (v === 'https' || v === 'wss') scheme = 'https';
  let host = ctx.hostHeader;
  if ((scheme === 'http' && host.endsWith(':80')) || (scheme === 'https' && host.endsWith(':443'))) {
    host = hostWithoutPort(host);
  }
  return `${scheme}://${host}${currentRequestUri(ctx)}`;
}

/** 301/302 for GET, 308/307 otherwise, or an explicit `status`; body is the status text, no Content-Type (Traefik). */
export function sendRedirect(ctx: RequestContext, location: string, permanent: boolean, status?: number): void {
  const get = ctx.method === 'GET';
  const code = status ?? (permanent ? (get ? 301 : 308) : get ? 302 : 307);
  sendStatusText(ctx, code, { location });
}
