import { connectionTokens } from './hop-by-hop.js';
import { isFieldValue, isToken } from './head-syntax.js';
import type { ResponseHeaders } from './proxy-exchange.js';

// Response trailers (gRPC's grpc-status and grpc-message) on the client side. HTTP/2 carries them in a
// trailing HEADERS frame; HTTP/1.1 only in a chunked body's last chunk, sent to a client that said it takes
// them (`TE: trailers`), so a client that would not read them never finds fields after the body.

/** Whether a request's TE header lists `trailers`. */
export function asksForTrailers(te: string | string[] | undefined): boolean {
  return te !== undefined && connectionTokens(te).some((token) => token === 'trailers' || token.startsWith('trailers;'));
}

/**
 * The zero-size chunk that ends a chunked body, with `trailers` as its trailer section. Fields HTTP/1.1 cannot
 * carry (a name that is no token, a value with a control byte) are left out rather than let inject a line.
 */
export function lastChunkWithTrailers(trailers: Readonly<ResponseHeaders>): string {
  let out = '0\r\n';
  for (const name in trailers) {
    if (!isToken(name)) continue;
    const value = trailers[name] as string | string[];
    for (const v of Array.isArray(value) ? value : [value]) if (isFieldValue(v)) out += `${name}: ${v}\r\n`;
  }
  return out + '\r\n';
}
