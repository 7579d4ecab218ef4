import { responseHooks, type Handler, type RequestContext, type ResponseHeaders } from '../../http/request-context.js';
import type { HeadersOptions } from './headers-options.js';
import { requestHeaderAsTraefikSees } from '../../http/forwarded-view.js';
import { sendGoError } from '../../http/traefik-responses.js';
import { textOnTheWire } from '../../http/utf8-on-the-wire.js';

type HeaderHook = (status: number, headers: ResponseHeaders) => void;

/**
 * The security half of `headers` (unrolled/secure v1.0.9 as Traefik v3.2 configures it): an allowed-hosts
 * check on the request, then fixed response headers that override the backend's. STS and HPKP depend on
 * whether the request counts as SSL, so both header sets are built here and picked per request.
 */
export function createSecurityHeaders(o: HeadersOptions, next: Handler): Handler {
  const dev = o.isDevelopment === true;
  const allowedHosts = (o.allowedHosts ?? []).length === 0 || dev ? null : new Set((o.allowedHosts ?? []).map(foldedHost));
  const hostHeaders = (o.hostsProxyHeaders ?? []).map((h) => h.toLowerCase());
  const sslHeaders = Object.entries(o.sslProxyHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const);
  const plainHook = hookFor(securityHeaders(o, false));
  const sslHook = hookFor(securityHeaders(o, true));

  return (ctx: RequestContext): void => {
    if (allowedHosts !== null && !allowedHosts.has(foldedHost(requestHost(ctx, hostHeaders)))) {
      sendGoError(ctx, 500, 'Bad Host');
      return;
    }
    const hook = isSsl(ctx, sslHeaders) ? sslHook : plainHook;
    if (hook !== null) responseHooks(ctx).headers.push(hook);
    next(ctx);
  };
}

/** The response headers secure adds, in its order; lower-case names as the hooks see them. */
export function securityHeaders(o: HeadersOptions, ssl: boolean): [string, string][] {
  const out: [string, string][] = [];
  const dev = o.isDevelopment === true;
  const sts = o.stsSeconds ?? 0;
  if (sts !== 0 && (ssl || o.forceSTSHeader === true) && !dev) {
    const sub = (o.stsIncludeSubdomains === true ? '; includeSubDomains' : '') + (o.stsPreload === true ? '; preload' : '');
    out.push(['strict-transport-security', `max-age=${sts}${sub}`]);
  }
  if ((o.customFrameOptionsValue ?? '') !== '') out.push(['x-frame-options', o.customFrameOptionsValue as string]);
  else if (o.frameDeny === true) out.push(['x-frame-options', 'DENY']);
  if (o.contentTypeNosniff === true) out.push(['x-content-type-options', 'nosniff']);
  if ((o.customBrowserXSSValue ?? '') !== '') out.push(['x-xss-protection', o.customBrowserXSSValue as string]);
  else if (o.browserXssFilter === true) out.push(['x-xss-protection', '1; mode=block']);
  if ((o.publicKey ?? '') !== '' && ssl && !dev) out.push(['public-key-pins', o.publicKey as string]);
  if ((o.contentSecurityPolicy ?? '') !== '') out.push(['content-security-policy', o.contentSecurityPolicy as string]);
  if ((o.contentSecurityPolicyReportOnly ?? '') !== '') {
    out.push(['content-security-policy-report-only', o.contentSecurityPolicyReportOnly as string]);
  }
  if ((o.referrerPolicy ?? '') !== '') out.push(['referrer-policy', o.referrerPolicy as string]);
  if ((o.permissionsPolicy ?? '') !== '') out.push(['permissions-policy', o.permissionsPolicy as string]);
  return out;
}

function hookFor(pairs: [string, string][]): HeaderHook | null {
  if (pairs.length === 0) return null;
  return (_status, headers) => {
    for (const [name, value] of pairs) headers[name] = value;
  };
}

/**
 * A host as secure compares it (strings.EqualFold): case folded by character, its bytes read as UTF-8, so `CAFÉ`
 * equals `café` and a lone latin1 byte (0xE3) equals no character. (toLowerCase is close to Go's simple folding.)
 */
function foldedHost(host: string): string {
  return textOnTheWire(host).toLowerCase();
}

/** r.Host, or the first non-empty header listed in hostsProxyHeaders. */
function requestHost(ctx: RequestContext, hostHeaders: readonly string[]): string {
  for (const name of hostHeaders) {
    const value = requestHeaderAsTraefikSees(ctx, name);
    if (value !== '') return value;
  }
  return ctx.hostHeader;
}

/** TLS, or a header from sslProxyHeaders carrying exactly its configured value. */
function isSsl(ctx: RequestContext, sslHeaders: readonly (readonly [string, string])[]): boolean {
  if (ctx.tls) return true;
  for (const [name, value] of sslHeaders) {
    if (requestHeaderAsTraefikSees(ctx, name) === value) return true;
  }
  return false;
}
