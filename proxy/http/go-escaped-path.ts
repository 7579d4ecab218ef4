import { isEscapeAt } from './percent-escape.js';
import type { RequestContext } from './request-context.js';

// The path Go's reverse proxy writes upstream: outreq.URL.RequestURI(), i.e. URL.EscapedPath(). pe-edge holds the
// path as Go's RawPath, one character a byte (the bytes received, configured text as its UTF-8 bytes), with Go's
// Path its unescaping; this is the one place it is escaped. RawPath goes out unchanged when Go's validEncoded accepts
// it; otherwise Go escapes Path (the decoded bytes) byte by byte.

/** A byte validEncoded refuses in an escaped path: then the received form is not sent as it is. */
const NOT_VALID_ENCODED = /[^A-Za-z0-9\-._~!$&'()*+,;=:@[\]%/]/;
const NOT_VALID_ENCODED_ALL = new RegExp(NOT_VALID_ENCODED.source, 'g');

/** `rawPath` with each byte validEncoded refuses written as its %XX, escapes and the rest left as they are. */
export function escapeInvalidBytes(rawPath: string): string {
  if (!NOT_VALID_ENCODED.test(rawPath)) return rawPath;
  return rawPath.replace(NOT_VALID_ENCODED_ALL, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** Bytes Go's escape(path, encodePath) leaves as they are: unreserved ones and `$&+,/:;=@`. */
const PATH_SAFE = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+,/:;=@") PATH_SAFE[c.charCodeAt(0)] = 1;

/** Bytes escape(path, encodePath) writes as they are; anything else in a canonical path is an upper-case escape. */
const NOT_PATH_SAFE = /[^A-Za-z0-9\-_.~$&+,/:;=@]/;

const HEX = '0123456789ABCDEF';

/**
 * `rawPath` (one character a byte) as Go sends it upstream: itself when every byte is one validEncoded accepts (one
 * regex test: the usual path costs nothing more), else its decoded bytes escaped as Go's escape does (`"` → %22, a
 * raw 0xff → %FF, `!` → %21, and an escaped `/` sent decoded, as Go sends it).
 */
export function goEscapedPath(rawPath: string): string {
  if (!NOT_VALID_ENCODED.test(rawPath)) return rawPath;
  return goEscapePath(goUnescapePath(rawPath));
}

/** Go's url.PathUnescape on a byte string: each well-formed %XX becomes its byte, everything else stays. */
export function goUnescapePath(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath;
  let out = '';
  let from = 0;
  for (let i = rawPath.indexOf('%'); i !== -1; i = rawPath.indexOf('%', i + 1)) {
    if (!isEscapeAt(rawPath, i)) continue;
    out += rawPath.slice(from, i) + String.fromCharCode(Number.parseInt(rawPath.slice(i + 1, i + 3), 16));
    from = i + 3;
    i += 2;
  }
  return out + rawPath.slice(from);
}

/** Go's escape(path, encodePath) on a byte string (Go's URL.Path). */
export function goEscapePath(path: string): string {
  // The usual path has no byte to escape: one regex test, no copy.
  if (!NOT_PATH_SAFE.test(path)) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c > 0xff) {
      // Not a byte (text that missed its conversion to UTF-8): its UTF-8 bytes, as Go holds strings.
      for (const b of Buffer.from(String.fromCharCode(c), 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
    } else {
      out += PATH_SAFE[c] === 1 ? path[i] : '%' + HEX[c >> 4] + HEX[c & 15];
    }
  }
  return out;
}

/**
 * Go's req.URL.RequestURI() once the entrypoint allowed query semicolons (http.AllowQuerySemicolons: `;` read as
 * `&`): `rawPath` as Go escapes it ('/' when empty: stripPrefix's exact match) and the query. The request target
 * sent upstream and forwardAuth's X-Forwarded-Uri, one and the same.
 */
export function goRequestUri(rawPath: string, rawQuery: string): string {
  const query = rawQuery === '' ? '' : '?' + (rawQuery.includes(';') ? rawQuery.replaceAll(';', '&') : rawQuery);
  return (goEscapedPath(rawPath) || '/') + query;
}

/**
 * Go's req.RequestURI as redirectRegex and redirectScheme read it: the path and query as received until a path
 * middleware rewrote the path (rawPath is then what it wrote), from then on URL.RequestURI().
 */
export function currentRequestUri(ctx: Pick<RequestContext, 'rawPath' | 'rawQuery' | 'pathRewritten'>): string {
  if (ctx.pathRewritten) return goRequestUri(ctx.rawPath, ctx.rawQuery);
  return ctx.rawQuery === '' ? ctx.rawPath : ctx.rawPath + '?' + ctx.rawQuery;
}


/** Whether rawPath is as escape(Path) writes it: then Go keeps no RawPath (url.setPath) and reads EscapedPath(). */
export function isCanonicalPath(rawPath: string): boolean {
  return !NOT_PATH_SAFE.test(rawPath) || goEscapePath(goUnescapePath(rawPath)) === rawPath;
}
