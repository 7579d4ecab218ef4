import type { IncomingHttpHeaders } from 'node:http';
import { FORWARDED_HEADERS } from './forwarded-headers.js';
import type { ProxyRequest, ResponseHeaders } from './request-context.js';
import { removeRequestHeaders } from './request-header-edit.js';
import { ownHeader, putHeader } from './header-bag.js';
import { trimOws } from './header-whitespace.js';
import { BODY_FRAMING_HEADERS } from './request-body-framing.js';

/**
 * Headers that describe one connection, not the message (Go's httputil.ReverseProxy hopHeaders, lower-case):
 * never relayed either way. Requests also lose HTTP2-Settings, meaningful only with an h2c upgrade.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);
export const REQUEST_HOP_BY_HOP: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'http2-settings']);

/**
 * forwardAuth's own list (Traefik's forward_auth.go), for the auth request's copy of the client's headers and for a
 * refusal relayed to the client: no Proxy-* names, since Proxy-Authorization is meant for the auth server (RFC 7235 4.4).
 */
export const FORWARD_AUTH_HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

// Connection values that name no other header: the common case costs one lookup, no parsing.
const PLAIN_CONNECTION = new Set(['keep-alive', 'Keep-Alive', 'close', 'Close', 'upgrade', 'Upgrade']);

/** The lower-case names a Connection header lists (Go splits every value on ','), null when none matter. */
export function connectionListed(value: string | string[] | undefined): string[] | null {
  if (value === undefined || (typeof value === 'string' && PLAIN_CONNECTION.has(value))) return null;
  const names = connectionTokens(value);
  return names.length === 0 ? null : names;
}

/** Every lower-case token of a Connection header (close and keep-alive included). */
export function connectionTokens(value: string | readonly string[]): string[] {
  const tokens: string[] = [];
  for (const v of typeof value === 'string' ? [value] : value) {
    for (const token of v.split(',')) {
      const name = trimOws(token).toLowerCase();
      if (name !== '') tokens.push(name);
    }
  }
  return tokens;
}

/**
 * Traefik removes what a client's Connection header lists once, at the entrypoint, before routing and
 * middlewares: so a value a middleware sets later (customRequestHeaders, basicAuth headerField) survives.
 * X-Forwarded-* stay (Traefik manages them), as do Host (not a header in Go) and Upgrade, and the two
 * headers that frame the body: in Go the framing is the request's (ContentLength, TransferEncoding), not
 * a header, so the body still goes upstream whole; here the forwarder reads the framing from the headers.
 */
export function stripConnectionListed(req: ProxyRequest): void {
  const listed = connectionListed(req.headers.connection);
  if (listed === null) return;
  const removed = new Set<string>();
  for (const name of listed) {
    if (name === 'host' || name === 'upgrade' || name === 'connection' || BODY_FRAMING_HEADERS.has(name) || FORWARDED_HEADERS.has(name)) continue;
    if (req.headers[name] !== undefined) removed.add(name);
  }
  removeRequestHeaders(req, removed);
}

/**
 * An upstream's response headers minus hop-by-hop ones and those its Connection header lists (Go's
 * removeHopByHopHeaders), in a null-prototype object: a header named __proto__ is just a header.
 */
export function endToEndResponseHeaders(headers: IncomingHttpHeaders): ResponseHeaders {
  const tokens = connectionListed(headers.connection);
  // A Set: an upstream may list thousands of names, each looked up for every header it sends.
  const listed = tokens === null ? null : new Set(tokens);
  const out: ResponseHeaders = {};
  for (const name in headers) {
    const value = ownHeader(headers, name);
    if (value === undefined || HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    putHeader(out, name, value);
  }
  return out;
}
