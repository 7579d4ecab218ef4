import crypto, { createHash } from 'node:crypto';

// node 20.12's one-shot crypto.hash: with a Hash object per request, basicAuth with a warm cache cost 12-14 % of a
// request on the production path, with the one-shot call 5-10 % (test/bench/mw-cost.sh, before basicAuth kept
// passed headers). Before 20.12 the Hash object gives the same digest. The one home of SHA-256 on the request path
// (basicAuth, compress's cache keys, rateLimit's and inFlightReq's long sources).
const hasOneShot = typeof crypto.hash === 'function';

/** The SHA-256 digest of `data` (a string as its UTF-8). */
export function sha256(data: string | Buffer): Buffer {
  return hasOneShot ? crypto.hash('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

/** The SHA-256 digest of `data` in base64. */
export function sha256Base64(data: string | Buffer): string {
  return hasOneShot ? crypto.hash('sha256', data, 'base64') : createHash('sha256').update(data).digest('base64');
}

/** The SHA-256 digest of `data` in lower-case hex. */
export function sha256Hex(data: string | Buffer): string {
  return hasOneShot ? crypto.hash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}
