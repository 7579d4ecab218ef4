import { sanitizePath } from './sanitize-path.js';
import { isEscapeAt } from './percent-escape.js';
import { goUnescapePath } from './go-escaped-path.js';
import { textOnTheWire } from './utf8-on-the-wire.js';

/**
 * Splits a request target into path and query, and derives the path matchers see (Traefik v3.4's routing
 * path, pkg/muxer/http/mux.go withRoutingPath): every %XX escape decoded except the reserved ones, so
 * `/a%20b` matches `Path(/a b)` and `/foo%2Fbar` never matches `Path(/foo/bar)`. Only matching uses it:
 * `rawPath` is what goes upstream.
 */
export interface RequestTarget {
  rawPath: string;
  path: string;
  rawQuery: string;
}

/** With `sanitize` (the entrypoint's http.sanitizePath), `.`/`..` segments and repeated slashes are resolved first. */
export function splitRequestTarget(url: string, sanitize = false): RequestTarget {
  let target = url;
  // Absolute-form (proxy-style) request lines: keep only path and query.
  if (target.charCodeAt(0) !== 47 /* '/' */ && /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target)) {
    const slash = target.indexOf('/', target.indexOf('//') + 2);
    target = slash === -1 ? '/' : target.slice(slash);
  }
  const q = target.indexOf('?');
  const received = q === -1 ? target : target.slice(0, q);
  const rawPath = sanitize ? sanitizePath(received) : received;
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  return { rawPath, path: rawPath.includes('%') ? routingPath(rawPath) : rawPath, rawQuery };
}

/**
 * Escapes Traefik keeps encoded in the routing path (mux.go reservedCharacters): RFC 3986's reserved set
 * (gen-delims and sub-delims) and '%', whose decoding would change what the path means.
 */
const RESERVED = new Set([
  0x3a /* : */, 0x2f /* / */, 0x3f /* ? */, 0x23 /* # */, 0x5b /* [ */, 0x5d /* ] */, 0x40 /* @ */,
  0x21 /* ! */, 0x24 /* $ */, 0x26 /* & */, 0x27 /* ' */, 0x28 /* ( */, 0x29 /* ) */, 0x2a /* * */,
  0x2b /* + */, 0x2c /* , */, 0x3b /* ; */, 0x3d /* = */, 0x25 /* % */,
]);

/**
 * The routing path of an escaped path: reserved escapes kept (upper-cased, as Traefik's normalizePath writes
 * them), every other escape decoded; a run of decoded bytes is read as UTF-8 (`%C3%A9` is `é`).
 */
export function routingPath(rawPath: string): string {
  return decodeEscapes(rawPath, RESERVED);
}

/**
 * Go's URL.Path of a rawPath (one character a byte), read as text: every escape decoded, the bytes, raw or escaped,
 * read as UTF-8 (what stripPrefix and stripPrefixRegex match, as Go matches Path's bytes against configured text).
 */
export function decodedPath(rawPath: string): string {
  return rawPath.includes('%') || BEYOND_ASCII.test(rawPath) ? textOnTheWire(goUnescapePath(rawPath)) : rawPath;
}

const BEYOND_ASCII = /[\x80-\uffff]/;

function decodeEscapes(rawPath: string, keep: ReadonlySet<number> | null): string {
  let out = '';
  let bytes: number[] | null = null;
  let from = 0;
  for (let i = rawPath.indexOf('%'); i !== -1; i = rawPath.indexOf('%', from)) {
    if (i > from) {
      out += flush(bytes) + rawPath.slice(from, i);
      bytes = null;
    }
    // Malformed escapes are refused (400) before routing; anything else keeps them as they are.
    if (!isEscapeAt(rawPath, i)) {
      out += flush(bytes) + '%';
      bytes = null;
      from = i + 1;
      continue;
    }
    const code = Number.parseInt(rawPath.slice(i + 1, i + 3), 16);
    if (keep !== null && keep.has(code)) {
      out += flush(bytes) + rawPath.slice(i, i + 3).toUpperCase();
      bytes = null;
    } else {
      (bytes ??= []).push(code);
    }
    from = i + 3;
  }
  return out + flush(bytes) + rawPath.slice(from);
}

function flush(bytes: number[] | null): string {
  if (bytes === null) return '';
  // Never String.fromCharCode(...bytes): a path of 130,000 escapes would overflow the stack with its arguments.
  return Buffer.from(bytes).toString(bytes.every((b) => b < 0x80) ? 'latin1' : 'utf8');
}

const ABSOLUTE_FORM_AUTHORITY = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?]*)/;

/**
 * The host of an absolute-form request target (`GET http://user@host:port/path HTTP/1.1`), userinfo dropped,
 * or '' when the target names none. Go's server takes req.Host from it and ignores the Host header
 * (net/http request.go: "any Host line is ignored"), so Traefik routes and forwards on it.
 */
export function absoluteFormHost(target: string): string {
  const m = ABSOLUTE_FORM_AUTHORITY.exec(target);
  if (m === null) return '';
  const authority = m[1] as string;
  return authority.slice(authority.lastIndexOf('@') + 1);
}

/** Whether a head carries more than one Host line (any spelling): Go's server refuses it with 400. */
// Go's validHostByte: RFC 3986 host characters (reg-name, IP literals, a port).
const INVALID_HOST_BYTE = /[^0-9A-Za-z!$%&()*+,\-.:;=[\]'_~]/;

/** Go's httpguts.ValidHostHeader. */
export function isValidHostHeader(host: string): boolean {
  return !INVALID_HOST_BYTE.test(host);
}

export function hasRepeatedHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

/** Canonical host for matching: port and one trailing dot removed, lower-cased, IPv6 brackets dropped. */
export function canonicalHost(hostHeader: string): string {
  let host = hostHeader.trim();
  if (host.charCodeAt(0) === 91 /* '[' */) {
    const end = host.indexOf(']');
    host = end === -1 ? host : host.slice(1, end);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1 && host.indexOf(':', colon + 1) === -1) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

/** Index of the port's ':' in a Host header (`h:8080`, `[::1]:8080`), or -1 when it has none. */
function portColon(hostHeader: string): number {
  const colon = hostHeader.lastIndexOf(':');
  return colon > hostHeader.lastIndexOf(']') && colon < hostHeader.length - 1 ? colon : -1;
}

/** The Host header without its port (brackets of an IPv6 literal kept). */
export function hostWithoutPort(hostHeader: string): string {
  const colon = portColon(hostHeader);
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/** X-Forwarded-Port as Traefik computes it: the Host header's port, else the scheme's default. */
export function forwardedPort(hostHeader: string, secure: boolean): string {
  const colon = portColon(hostHeader);
  return colon === -1 ? (secure ? '443' : '80') : hostHeader.slice(colon + 1);
}

/** Peer address as Traefik reports it: IPv4-mapped IPv6 shown as IPv4, zone stripped. */
export function clientAddress(remote: string | undefined): string {
  if (remote === undefined) return '';
  if (remote.startsWith('::ffff:') && remote.includes('.')) return remote.slice(7);
  const zone = remote.indexOf('%');
  return zone === -1 ? remote : remote.slice(0, zone);
}
