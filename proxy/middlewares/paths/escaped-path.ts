import { splitRequestTarget } from '../../http/request-target.js';
import { malformedEscapeAt } from '../../http/percent-escape.js';

/**
 * The two path forms a rewrite must keep in step: the escaped `rawPath` sent upstream and the
 * matcher `path` (Traefik's routing path: escapes decoded but reserved ones) the next matcher reads.
 */

/** Characters Go's validEncoded accepts in an escaped path; anything else is percent-encoded (EscapedPath). */
const NOT_PATH_SAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@[\]%/]/u;
const NOT_PATH_SAFE_ALL = /[^A-Za-z0-9\-._~!$&'()*+,;=:@[\]%/]/gu;

/** An escaped path as Go would send it: a space, `?`, `#` or non-ASCII character is percent-encoded. */
export function toEscapedPath(path: string): string {
  if (!NOT_PATH_SAFE.test(path)) return path;
  return path.replace(NOT_PATH_SAFE_ALL, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as Go writes invalid UTF-8
    }
  });
}

/** The matcher form of an escaped path (same decoding as the entrypoint's). */
export function matcherPath(escaped: string): string {
  return escaped === '' ? '' : splitRequestTarget(escaped).path;
}

/**
 * Length of the part of `rawPath` that decodes to `decodedBytes` bytes (Traefik's encodedPrefixLen: an
 * escape is one decoded byte, any other character one).
 */
export function encodedPrefixLength(rawPath: string, decodedBytes: number): number {
  let r = 0;
  for (let d = 0; d < decodedBytes && r < rawPath.length; d++) {
    r += rawPath.charCodeAt(r) === 37 /* % */ && r + 2 < rawPath.length ? 3 : 1;
  }
  return r;
}

export function ensureLeadingSlash(path: string): string {
  return path === '' || path.charCodeAt(0) === 47 ? path : '/' + path;
}

const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * True when the path holds a `.` or `..` segment, so a backend normalising it would serve another
 * path than the one routed (Traefik v3.6 answers 400 then, e.g. stripPrefix `/api` on `/api./foo`).
 */
export function hasDotSegment(path: string): boolean {
  return path.includes('/.') && DOT_SEGMENT.test(path);
}

/** Go's url.PathUnescape error text for a malformed escape, or null when the path unescapes. */
export function pathUnescapeError(escaped: string): string | null {
  const i = malformedEscapeAt(escaped);
  return i === -1 ? null : `invalid URL escape ${JSON.stringify(escaped.slice(i, i + 3))}`;
}
