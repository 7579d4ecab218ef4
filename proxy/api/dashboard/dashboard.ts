import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { RequestContext } from '../../http/request-context.js';
import { answer, sendGoError, sendNotFound } from '../../http/traefik-responses.js';
import { goRedirect } from '../../http/go-redirect.js';
import { requestHeaderAsTraefikSees } from '../../http/forwarded-view.js';
import { sendRedirect } from '../../middlewares/redirect-scheme.js';
import { DASHBOARD_FILES } from './bundle.generated.js';

/**
 * Every dashboard answer carries it: scripts, styles and requests from pe-edge only, no inline script, no
 * eval, no framing. The page is built to work under it (no inline style or script, the favicon is a file).
 */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

let assets: ReadonlyMap<string, Asset> | null = null;

/** The bundled files, compressed once per process, on first use. */
function dashboardAssets(): ReadonlyMap<string, Asset> {
  if (assets !== null) return assets;
  const out = new Map<string, Asset>();
  for (const [name, file] of Object.entries(DASHBOARD_FILES)) {
    const body = Buffer.from(file.body, 'utf8');
    out.set(name, { type: file.type, body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  assets = out;
  return out;
}

function acceptsGzip(ctx: RequestContext): boolean {
  const accept = ctx.req.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b/i.test(accept) && !/\bgzip\s*;\s*q=0(\.0*)?\b/i.test(accept);
}

/**
 * Traefik's safePrefix: the X-Forwarded-Prefix a stripPrefix in front of the API set (or a trusted peer sent: the
 * entrypoint drops an untrusted client's), used only when it is a plain path (never a URL that would send the
 * browser elsewhere).
 */
function forwardedPrefix(ctx: RequestContext): string {
  const value = requestHeaderAsTraefikSees(ctx, 'x-forwarded-prefix');
  if (!/^\/[A-Za-z0-9._~\-/%]*$/.test(value) || value.startsWith('//')) return '';
  // Trailing slashes cut from the end: /\/+$/ would scan every run of slashes to its end, a quadratic cost on a long
  // header of them.
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 47 /* / */) end--;
  return value.slice(0, end);
}

function security(type: string): Record<string, string> {
  return {
    'content-type': type,
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}

/** `/dashboard/<file>` (`rest` is what follows `/dashboard/`; '' is the page itself). */
function serveFile(ctx: RequestContext, rest: string): void {
  const asset = dashboardAssets().get(rest === '' ? 'index.html' : rest);
  if (asset === undefined) {
    sendNotFound(ctx);
    return;
  }
  const headers: Record<string, string> = { ...security(asset.type), etag: asset.etag, vary: 'Accept-Encoding' };
  if (ctx.req.headers['if-none-match'] === asset.etag) {
    answer(ctx, 304, { etag: asset.etag, vary: 'Accept-Encoding', 'cache-control': 'no-cache' }, '');
    return;
  }
  const gzip = acceptsGzip(ctx);
  const body = gzip ? asset.gzip : asset.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.length);
  answer(ctx, 200, headers, ctx.method === 'HEAD' ? '' : body);
}

/**
 * The dashboard as `api@internal` serves it (Traefik's api handler): `GET /` → 302 to
 * `<X-Forwarded-Prefix>/dashboard/`, `GET /dashboard/*` → the page and its files. Returns false for a path
 * that is not the dashboard's, so the API answers its own 404.
 */
export function serveDashboard(ctx: RequestContext): boolean {
  const path = ctx.rawPath;
  if (path !== '/' && !path.startsWith('/dashboard/')) return false;
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    sendGoError(ctx, 405, 'Method Not Allowed');
    return true;
  }
  if (path === '/') {
    // Traefik's api handler: Go's http.Redirect with 302.
    const { headers, body } = goRedirect(`${forwardedPrefix(ctx)}/dashboard/`, path, ctx.method);
    answer(ctx, 302, headers, body);
  } else serveFile(ctx, path.slice('/dashboard/'.length));
  return true;
}

/**
 * `dashboard@internal` on entrypoint `traefik` (api.insecure), as Traefik's router with its two middlewares:
 * `dashboard_redirect@internal` (`http://host[:port]/` → 301 `/dashboard/` on the same host) and
 * `dashboard_stripprefix@internal` (`/dashboard/`, `/dashboard`) in front of the dashboard files.
 */
export function serveInsecureDashboard(ctx: RequestContext): void {
  ctx.serviceName = 'dashboard@internal';
  const path = ctx.rawPath;
  if (path === '/' && ctx.rawQuery === '' && !ctx.tls && /^(\[[\w:.]+\]|[\w._-]+)(:\d+)?$/.test(ctx.hostHeader)) {
    // dashboard_redirect@internal is a permanent redirectRegex: 301 for GET, 308 otherwise, the status text as body.
    sendRedirect(ctx, `http://${ctx.hostHeader}/dashboard/`, true);
    return;
  }
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    sendGoError(ctx, 405, 'Method Not Allowed');
    return;
  }
  if (path.startsWith('/dashboard/')) serveFile(ctx, path.slice('/dashboard/'.length));
  else sendNotFound(ctx);
}
