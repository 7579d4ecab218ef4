import { posix } from 'node:path';
import type { ResponseHeaders } from './request-context.js';

/**
 * Go's http.Redirect(w, r, url, 302), as forwardAuth's authSigninURL answers a 401: a relative URL is taken
 * from the request path's directory and cleaned, non-ASCII is escaped, and a GET gets the short HTML body.
 */
export function goRedirect(url: string, requestPath: string, method: string): { headers: ResponseHeaders; body: string } {
  let target = url;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) && !url.startsWith('//')) {
    const oldPath = requestPath === '' ? '/' : requestPath;
    if (url === '' || !url.startsWith('/')) target = oldPath.slice(0, oldPath.lastIndexOf('/') + 1) + url;
    const q = target.indexOf('?');
    const query = q === -1 ? '' : target.slice(q);
    const path = q === -1 ? target : target.slice(0, q);
    let cleaned = posix.normalize(path);
    if (path.endsWith('/') && !cleaned.endsWith('/')) cleaned += '/';
    if (!path.endsWith('/') && cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
    target = cleaned + query;
  }
  target = target.replace(/[\u0080-\u{10ffff}]/gu, (c) => [...Buffer.from(c)].map((b) => '%' + b.toString(16).padStart(2, '0')).join(''));
  const headers: ResponseHeaders = { location: target };
  let body = '';
  if (method === 'GET' || method === 'HEAD') headers['content-type'] = 'text/html; charset=utf-8';
  if (method === 'GET') body = `<a href="${htmlEscape(target)}">Found</a>.\n\n`;
  headers['content-length'] = String(Buffer.byteLength(body));
  return { headers, body };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
