import { putHeader } from './header-bag.js';
import type { ResponseHeaders } from './proxy-exchange.js';

// What node's HTTP/2 refuses in a header or trailer block it sends. node throws on these, and a trailer block
// throws late, in the 'wantTrailers' event, where nothing can catch it: the process would end.

/**
 * Fields node's HTTP/2 sends once at most (its kSingleValueHeaders, `lib/internal/http2/util.js`); several values
 * throw ERR_HTTP2_HEADER_SINGLE_VALUE. `test/unit/http/http2-fields.test.ts` holds this list to node's.
 */
export const SINGLE_VALUE_FIELDS: ReadonlySet<string> = new Set([
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age', 'authorization',
  'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range',
  'content-type', 'date', 'dnt', 'etag', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match',
  'if-range', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'range',
  'referer', 'retry-after', 'tk', 'upgrade-insecure-requests', 'user-agent', 'x-content-type-options',
]);

/** Connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2; `te` but for `trailers`): node throws ERR_HTTP2_INVALID_CONNECTION_HEADERS. */
export const CONNECTION_SPECIFIC_FIELDS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings',
]);

/**
 * Fields an HTTP/2 header list of `bytes` can hold at most: each costs its name, its value and 32 (RFC 9113 §6.5.2).
 * node's own cap, 128 fields, reset the streams of browsers that send their cookies as one field each; Go counts bytes.
 */
export function headerListPairs(bytes: number): number {
  return Math.max(128, Math.ceil(bytes / 32));
}

function forbidden(name: string, value: string | string[]): boolean {
  return CONNECTION_SPECIFIC_FIELDS.has(name) || (name === 'te' && value !== 'trailers');
}

/**
 * `fields` as node's HTTP/2 can send them: connection-specific fields left out (Go's HTTP/2 server leaves them out
 * too), a single-value field given several values sent with its first (the value node keeps when it receives
 * several). The same object when nothing had to change, which is the common case: nothing is copied then.
 */
export function http2Fields(fields: ResponseHeaders): ResponseHeaders {
  let out: ResponseHeaders | null = null;
  let singles = null as Set<string> | null;
  for (const name in fields) {
    const value = fields[name];
    // Removed (undefined): node's HTTP/2 leaves such a field out of the block.
    if (value === undefined) continue;
    const key = name.toLowerCase();
    let keep: string | string[] | null = value;
    if (forbidden(key, value)) keep = null;
    else if (SINGLE_VALUE_FIELDS.has(key)) {
      // A second spelling of the same field (`ETag` and `etag`) is a repeat too.
      if (singles?.has(key) === true) keep = null;
      else {
        (singles ??= new Set()).add(key);
        if (Array.isArray(value)) keep = value[0] ?? null;
      }
    }
    if (keep === value && out === null) continue;
    if (out === null) {
      // The first change: copy what came before it unchanged.
      out = {};
      for (const before in fields) {
        if (before === name) break;
        putHeader(out, before, fields[before]);
      }
    }
    if (keep !== null) putHeader(out, name, keep);
  }
  return out ?? fields;
}

/**
 * A received header list ([name, value, ...]) with its cookie crumbs joined: HTTP/2 clients may send each cookie
 * as a field of its own (RFC 9113 §8.2.3), and Go's HTTP/2 server joins them with "; " into one Cookie, where the
 * first crumb was, before any handler sees the request. Forwarded to HTTP/1.1 as several Cookie lines, they would
 * be what RFC 6265 forbids a client to send. The same array when there is at most one crumb (the common case).
 * Names are compared as they come: HTTP/2 field names are lowercase (nghttp2 resets a stream with any other).
 */
export function joinCookieCrumbs(raw: string[]): string[] {
  let first = -1;
  let more = false;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i] !== 'cookie') continue;
    if (first >= 0) {
      more = true;
      break;
    }
    first = i;
  }
  if (!more) return raw;
  const crumbs: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name === 'cookie') {
      crumbs.push(raw[i + 1] as string);
      if (i !== first) continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  out[first + 1] = crumbs.join('; ');
  return out;
}
