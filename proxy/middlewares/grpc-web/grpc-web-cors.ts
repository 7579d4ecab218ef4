import type { ResponseHeaders } from '../../http/request-context.js';
import { utf8OnTheWire } from '../../http/utf8-on-the-wire.js';

/**
 * CORS for gRPC-Web as the wrapper sets it up: rs/cors v1.7.0 with Traefik's origin check as AllowOriginFunc, every
 * request header allowed (`*`, plus `U-A`), the default methods (GET, POST, HEAD; OPTIONS always), credentials
 * allowed and a 10-minute Max-Age, no exposed headers of its own (the response writer sets them). A refused origin
 * is no error: the answer simply carries no Access-Control-Allow-* header, and the browser keeps it from the page.
 */

const MAX_AGE_SECONDS = '600';
const SIMPLE_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'HEAD', 'OPTIONS']);

export type OriginCheck = (origin: string) => boolean;

/** Traefik's origin check: an `allowOrigins` entry `*` or equal to the Origin (byte for byte: `é` as its UTF-8). */
export function originCheck(allowOrigins: readonly string[]): OriginCheck {
  const any = allowOrigins.includes('*');
  const exact = new Set(allowOrigins.map(utf8OnTheWire));
  return (origin) => any || exact.has(origin);
}

/** The wrapper's IsAcceptableGrpcCorsRequest: an OPTIONS whose Access-Control-Request-Headers name x-grpc-web. */
export function asksForGrpcWebCors(method: string, requestHeaders: string): boolean {
  return method === 'OPTIONS' && requestHeaders.toLowerCase().includes('x-grpc-web');
}

/** rs/cors's preflight: OPTIONS with a non-empty Access-Control-Request-Method. Answered 200, never forwarded. */
export function isPreflight(method: string, requestMethod: string): boolean {
  return method === 'OPTIONS' && requestMethod !== '';
}

/** The preflight answer's headers (handlePreflight): only the Vary lines when the origin or the method is refused. */
export function preflightHeaders(allowed: OriginCheck, origin: string, requestMethod: string, requestHeaders: string): ResponseHeaders {
  const headers: ResponseHeaders = { vary: ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'] };
  if (origin === '' || !allowed(origin) || !SIMPLE_METHODS.has(requestMethod.toUpperCase())) return headers;
  headers['access-control-allow-origin'] = origin;
  headers['access-control-allow-methods'] = requestMethod.toUpperCase();
  const asked = parseHeaderList(requestHeaders);
  if (asked.length > 0) headers['access-control-allow-headers'] = asked.join(', ');
  headers['access-control-allow-credentials'] = 'true';
  headers['access-control-max-age'] = MAX_AGE_SECONDS;
  return headers;
}

/**
 * The headers an actual gRPC-Web request's answer starts with (handleActualRequest); the backend's headers of the
 * same name replace them. AllowOriginFunc means the Origin is echoed, never `*`, even for `allowOrigins: ["*"]`.
 */
export function actualRequestHeaders(allowed: OriginCheck, origin: string): [name: string, value: string][] {
  if (origin === '' || !allowed(origin)) return [['vary', 'Origin']];
  return [['vary', 'Origin'], ['access-control-allow-origin', origin], ['access-control-allow-credentials', 'true']];
}

/**
 * rs/cors's parseHeaderList: names split on spaces and commas, each in Go's canonical case (`x-grpc-web` →
 * `X-Grpc-Web`), bytes other than letters, digits, `-` and `_` dropped.
 */
export function parseHeaderList(list: string): string[] {
  const headers: string[] = [];
  let name = '';
  let upper = true;
  for (let i = 0; i < list.length; i++) {
    const b = list.charCodeAt(i);
    if (b >= 0x61 && b <= 0x7a) name += String.fromCharCode(upper ? b - 0x20 : b);
    else if (b >= 0x41 && b <= 0x5a) name += String.fromCharCode(upper ? b : b + 0x20);
    else if (b === 0x2d || b === 0x5f || (b >= 0x30 && b <= 0x39)) name += String.fromCharCode(b);
    if (b === 0x20 || b === 0x2c || i === list.length - 1) {
      if (name.length > 0) {
        headers.push(name);
        name = '';
        upper = true;
      }
    } else {
      upper = b === 0x2d || b === 0x5f;
    }
  }
  return headers;
}
