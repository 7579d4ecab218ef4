import type { Handler, RequestContext } from '../../http/request-context.js';
import { sendStatusText } from '../../http/traefik-responses.js';
import { compileGoRegexp } from '../../rules/go-regexp.js';
import { sendRedirect } from '../redirect-scheme.js';
import { goReplaceAll } from './go-replacement.js';
import { malformedEscapeAt } from '../../http/percent-escape.js';
import { currentRequestUri } from '../../http/go-escaped-path.js';

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
  const replaceAll = goReplaceAll(re, options.replacement);
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
    const target = replaceAll(current);
    if (target === current) {
      next(ctx);
      return;
    }
    // Go's url.Parse refusal (a *url.Error, which is a net.Error) ends in oxy's default error handler: a bare 502.
    if (!parsesAsGoUrl(target)) {
      sendStatusText(ctx, 502);
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
  // Once a path middleware rewrote it, Go's RequestURI is path and query only.
  if (!ctx.pathRewritten && line !== undefined && line.charCodeAt(0) !== 47 /* '/' */) {
    const m = ABSOLUTE_FORM.exec(line);
    if (m !== null) {
      scheme = m[1] as string;
      if (m[2] !== undefined && m[2] !== '') host = m[2];
      if (m[3] !== undefined) port = m[3];
    }
  }
  if (ctx.tls) scheme = 'https';
  return `${scheme}://${host}${port}${currentRequestUri(ctx)}`;
}

// What Go's url.Parse refuses among what a replacement can produce (net/url: parse, getScheme, parseAuthority,
// parseHost, unescape). Refused URLs end in oxy's default error handler, which answers 502: *url.Error is a net.Error.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
// Host bytes Go's shouldEscape(encodeHost) lets through; any other ASCII byte is an invalid host.
const HOST_BYTES = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"%\u0080-\uffff]*$/u;

/** Whether Go's url.Parse accepts the URL a replacement produced. */
export function parsesAsGoUrl(target: string): boolean {
  if (CONTROL.test(target)) return false;
  const hash = target.indexOf('#');
  if (hash !== -1 && malformedEscapeAt(target.slice(hash + 1)) !== -1) return false;
  let rest = hash === -1 ? target : target.slice(0, hash);
  if (rest.charCodeAt(0) === 58 /* ':' */) return false; // missing protocol scheme
  const scheme = SCHEME.exec(rest);
  if (scheme !== null) rest = rest.slice(scheme[0].length);
  const q = rest.indexOf('?');
  if (q !== -1) rest = rest.slice(0, q);
  if (scheme === null && rest.charCodeAt(0) !== 47 /* '/' */) {
    // A relative reference whose first segment holds a colon would read as a scheme.
    const slash = rest.indexOf('/');
    if ((slash === -1 ? rest : rest.slice(0, slash)).includes(':')) return false;
  }
  if (rest.startsWith('//') && (scheme !== null || !rest.startsWith('///'))) {
    const authorityEnd = rest.indexOf('/', 2);
    const authority = authorityEnd === -1 ? rest.slice(2) : rest.slice(2, authorityEnd);
    if (!validHost(authority.slice(authority.lastIndexOf('@') + 1))) return false;
    rest = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  }
  return malformedEscapeAt(rest) === -1;
}

/** Go's parseHost: a bracketed IPv6 literal or a name, an optional all-digit port, valid escapes and bytes. */
function validHost(host: string): boolean {
  let name = host;
  let port = '';
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close === -1) return false;
    port = host.slice(close + 1);
    if (port !== '' && port[0] !== ':') return false;
    name = host.slice(1, close);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      port = host.slice(colon);
      name = host.slice(0, colon);
    }
  }
  if (port !== '' && !/^:\d*$/.test(port)) return false;
  return malformedEscapeAt(name) === -1 && HOST_BYTES.test(name);
}

/** Go's URL.String() escapes what a header cannot carry (spaces, non-ASCII). */
function headerSafe(target: string): string {
  return /[^\x21-\x7e]/.test(target) ? target.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) : target;
}
