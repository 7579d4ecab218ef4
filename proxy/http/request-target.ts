import { sanitizePath } from './sanitize-path.js';

/**
 * Splits a request target into path and query, and derives the path matchers see: unreserved
 * %XX escapes decoded, reserved ones kept encoded, so `/foo%2Fbar` never matches `Path(/foo/bar)`
 * (Traefik v3.4's routing-path fix).
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
  return { rawPath, path: rawPath.includes('%') ? decodeUnreserved(rawPath) : rawPath, rawQuery };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : escape.toUpperCase();
  });
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
