import type { Handler, RequestContext } from '../../http/request-context.js';
import { sendBareStatus } from '../../http/traefik-responses.js';
import { compileGoRegexp } from '../../rules/go-regexp.js';
import { sendRedirect } from '../redirect-scheme.js';
import { goReplacementToJs } from './go-replacement.js';

export interface RedirectRegexOptions {
  regex: string;
  replacement: string;
  permanent?: boolean | undefined;
  /** v3.7: an explicit redirect status, overriding `permanent`. */
  statusCode?: number | undefined;
}

const REDIRECT_STATUS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Traefik's redirectRegex, matched against `scheme://host[:port]/requestURI`: no match, or a result
 * equal to the input, passes through; otherwise the client is redirected to the result.
 */
export function createRedirectRegex(options: RedirectRegexOptions, next: Handler): Handler {
  const re = compileGoRegexp(options.regex, 'redirectRegex regex');
  const all = new RegExp(re.source, re.flags + 'g');
  const replacement = goReplacementToJs(options.replacement, re);
  const permanent = options.permanent === true;
  const statusCode = options.statusCode;
  if (statusCode !== undefined && !REDIRECT_STATUS.has(statusCode)) {
    throw new Error(`redirectRegex: statusCode ${statusCode} is not one of 301, 302, 303, 307, 308`);
  }
  return (ctx: RequestContext): void => {
    const current = requestUrl(ctx);
    if (!re.test(current)) {
      next(ctx);
      return;
    }
    const target = current.replace(all, replacement);
    if (target === current) {
      next(ctx);
      return;
    }
    // Go's url.Parse refusal ends in oxy's default error handler: a bare 500.
    if (!parsesAsGoUrl(target)) {
      sendBareStatus(ctx, 500, 'Internal Server Error');
      return;
    }
    const location = headerSafe(target);
    sendRedirect(ctx, location, permanent, statusCode);
  };
}

const ABSOLUTE_FORM = /^(https?):\/\/(\[[\w:.]+\]|[\w._-]+)?(:\d+)?/;

/** The URL Traefik matches: Host header with its port, TLS wins over an absolute-form request line's scheme. */
function requestUrl(ctx: RequestContext): string {
  let scheme = 'http';
  let host = ctx.hostHeader;
  let port = '';
  const line = ctx.req.url;
  if (line !== undefined && line.charCodeAt(0) !== 47 /* '/' */) {
    const m = ABSOLUTE_FORM.exec(line);
    if (m !== null) {
      scheme = m[1] as string;
      if (m[2] !== undefined && m[2] !== '') host = m[2];
      if (m[3] !== undefined) port = m[3];
    }
  }
  if (ctx.tls) scheme = 'https';
  const uri = (ctx.rawPath === '' ? '/' : ctx.rawPath) + (ctx.rawQuery === '' ? '' : '?' + ctx.rawQuery);
  return `${scheme}://${host}${port}${uri}`;
}

// Go's url.Parse refuses ASCII control characters anywhere in the URL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** What Go's url.Parse refuses among what a replacement can produce: control characters, bad escapes, bad hosts. */
function parsesAsGoUrl(target: string): boolean {
  if (CONTROL.test(target)) return false;
  const hash = target.indexOf('#');
  const beforeFragment = hash === -1 ? target : target.slice(0, hash);
  const q = beforeFragment.indexOf('?');
  if (BAD_ESCAPE.test(q === -1 ? beforeFragment : beforeFragment.slice(0, q))) return false;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target)) {
    try {
      new URL(target);
    } catch {
      return false;
    }
  }
  return true;
}

/** Go's URL.String() escapes what a header cannot carry (spaces, non-ASCII). */
function headerSafe(target: string): string {
  return /[^\x21-\x7e]/.test(target) ? target.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) : target;
}
