import { splitRequestTarget } from '../../http/request-target.js';
import { malformedEscapeAt } from '../../http/percent-escape.js';
import { utf8OnTheWire } from '../../http/utf8-on-the-wire.js';
import { escapeInvalidBytes } from '../../http/go-escaped-path.js';

/**
 * The two path forms a rewrite must keep in step: `rawPath`, Go's RawPath as bytes (escaped only when written out,
 * by goEscapedPath), and the matcher `path` (Traefik's routing path: escapes decoded but reserved ones).
 */

/** Configured path text as the bytes Go's RawPath holds for it (its UTF-8 bytes, one character each), unescaped. */
export function pathBytes(text: string): string {
  return utf8OnTheWire(text);
}

/**
 * The matcher form of a path middleware's rawPath (bytes): as the entrypoint's routing path of that path escaped, so
 * a `?` stays in the path and configured `é` matches Path(`/é`).
 */
export function matcherPath(rawPath: string): string {
  if (rawPath === '') return '';
  return splitRequestTarget(escapeInvalidBytes(rawPath)).path;
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
