import { canonicalHeaderKey } from './go-text.js';

// Header names HTTP/1.1 peers commonly send, lower-case. A parser that meets one as a peer spelled it gets this
// lower-case literal back: no token check and no toLowerCase for it, and a key V8 has already interned, so a bag
// keyed by it needs no string-table lookup on each store and read (in a CPU profile of the seed's route, parsing
// nginx's head took 8 % of pe-edge's busy time, a third of it in those lookups, toLowerCase and the token check).
const COMMON_NAMES = [
  // requests
  'host', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'authorization', 'cookie', 'referer',
  'origin', 'content-type', 'content-length', 'connection', 'cache-control', 'pragma', 'if-none-match',
  'if-modified-since', 'upgrade-insecure-requests', 'x-requested-with', 'x-forwarded-for', 'x-forwarded-proto',
  'x-forwarded-host', 'x-real-ip', 'dnt', 'te', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user',
  'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'priority',
  // responses
  'server', 'date', 'content-encoding', 'last-modified', 'etag', 'expires', 'vary', 'accept-ranges', 'age',
  'location', 'set-cookie', 'keep-alive', 'transfer-encoding', 'x-powered-by', 'x-frame-options',
  'x-content-type-options', 'x-xss-protection', 'strict-transport-security', 'content-security-policy',
  'referrer-policy', 'permissions-policy', 'access-control-allow-origin', 'access-control-allow-credentials',
  'content-disposition', 'content-language', 'link', 'via', 'www-authenticate', 'x-request-id',
];

// Spellings other than Go's canonical form that servers use (nginx's ETag, Apache's WWW-Authenticate).
const OTHER_SPELLINGS = ['ETag', 'WWW-Authenticate', 'X-XSS-Protection', 'DNT', 'TE'];

const COMMON = new Set(COMMON_NAMES);
const LOWER_CASE = new Map<string, string>();
for (const lower of COMMON_NAMES) {
  LOWER_CASE.set(lower, lower);
  LOWER_CASE.set(canonicalHeaderKey(lower), lower);
}
for (const spelling of OTHER_SPELLINGS) {
  // The list's own literal, not a lowered copy: a literal is interned, a copy is not.
  const lower = COMMON_NAMES.find((name) => name === spelling.toLowerCase());
  if (lower !== undefined) LOWER_CASE.set(spelling, lower);
}

/** The lower-case form of a common header name as a peer spelled it (always a valid token), else undefined. */
export function knownHeaderName(name: string): string | undefined {
  return LOWER_CASE.get(name);
}

/**
 * A name known to be a valid token without a scan: a common header name in lower case (as header bags key them).
 * The lookup uses the hash V8 keeps on a property name, so it costs less than the token check it spares.
 */
export function isCommonHeaderName(name: string): boolean {
  return COMMON.has(name);
}
