import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens, HOP_BY_HOP } from './hop-by-hop.js';
import { isFieldValue, isToken } from './head-syntax.js';
import { ownHeader, putHeader } from './header-bag.js';
import type { ResponseHeaders } from './proxy-exchange.js';

// Response trailers (gRPC's grpc-status and grpc-message) on the client side. HTTP/2 carries them in a
// trailing HEADERS frame; HTTP/1.1 only in a chunked body's last chunk, sent to a client that said it takes
// them (`TE: trailers`), so a client that would not read them never finds fields after the body.

/** Whether a request's TE header lists `trailers`. */
export function asksForTrailers(te: string | string[] | undefined): boolean {
  return te !== undefined && connectionTokens(te).some((token) => token === 'trailers' || token.startsWith('trailers;'));
}

/**
 * Fields that are never trailers: Go's httpguts.ValidTrailerHeader list (RFC 9110 §6.5.1: framing, routing,
 * authentication, controls), which Go's HTTP/1.1 and HTTP/2 servers drop from a handler's trailers, and the
 * connection-specific fields (hop-by-hop, HTTP2-Settings) that an HTTP/2 trailer block may not hold at all.
 */
const NOT_TRAILERS: ReadonlySet<string> = new Set([
  'authorization', 'cache-control', 'content-encoding', 'content-length', 'content-range', 'content-type', 'expect',
  'host', 'max-forwards', 'pragma', 'range', 'realm', 'www-authenticate', 'http2-settings', ...HOP_BY_HOP,
]);

/**
 * The upstream answer's trailers that may reach the client, or null when none may: the fields Go relays (names
 * that are tokens and may be trailers, values without control bytes). Trailers come from any upstream, undici's
 * HTTP/1.1 answers included, so nothing here assumes an HTTP/2 peer already refused the rest.
 */
export function relayableTrailers(trailers: IncomingHttpHeaders): ResponseHeaders | null {
  let out: ResponseHeaders | null = null;
  for (const name in trailers) {
    const value = ownHeader(trailers, name);
    if (value === undefined || !isToken(name)) continue;
    const key = name.toLowerCase();
    if (NOT_TRAILERS.has(key)) continue;
    if (!Array.isArray(value)) {
      if (isFieldValue(value)) putHeader<string | string[]>((out ??= {}), key, value);
      continue;
    }
    const kept = value.filter(isFieldValue);
    if (kept.length > 0) putHeader<string | string[]>((out ??= {}), key, kept.length === 1 ? (kept[0] as string) : kept);
  }
  return out;
}

/**
 * The zero-size chunk that ends a chunked body, with `trailers` as its trailer section. Fields HTTP/1.1 cannot
 * carry (a name that is no token, a value with a control byte) are left out rather than let inject a line.
 */
export function lastChunkWithTrailers(trailers: Readonly<ResponseHeaders>): string {
  let out = '0\r\n';
  for (const name in trailers) {
    if (!isToken(name)) continue;
    const value = trailers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) if (isFieldValue(v)) out += `${name}: ${v}\r\n`;
  }
  return out + '\r\n';
}
