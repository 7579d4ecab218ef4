import crypto, { createHash } from 'node:crypto';

// node 20.12's one-shot crypto.hash: a Hash object per call cost about 7 µs of CPU on the production path (a CPU
// profile of basicAuth's route), the one-shot call a fraction of that. Before 20.12 the Hash object gives the same
// digest. The one home of SHA-256 on the request path (basicAuth, compress's cache keys).
const hasOneShot = typeof crypto.hash === 'function';

/** The SHA-256 digest of `data` (a string as its UTF-8). */
export function sha256(data: string | Buffer): Buffer {
  return hasOneShot ? crypto.hash('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

/** The SHA-256 digest of `data` in base64. */
export function sha256Base64(data: string | Buffer): string {
  return hasOneShot ? crypto.hash('sha256', data, 'base64') : createHash('sha256').update(data).digest('base64');
}
