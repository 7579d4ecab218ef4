import { createHash, timingSafeEqual } from 'node:crypto';
import { md5Crypt } from './md5-crypt.js';

/** A stored htpasswd hash, parsed once: `check` hashes the offered password and compares in constant time. */
export interface HtpasswdSecret {
  check(password: Buffer): boolean;
}

const BCRYPT = ['$2a$', '$2b$', '$2x$', '$2y$'];

/**
 * go-http-auth's CheckSecret: `{SHA}` base64 SHA-1, bcrypt, and anything else read as MD5-crypt
 * `$<magic>$<salt>$<hash>` (so `$apr1$` and `$1$` work; plain text, DES, `$5$`, `$6$` never match).
 * Throws for bcrypt, which pe-edge cannot verify without a dependency.
 */
export function parseHtpasswdSecret(user: string, hash: string): HtpasswdSecret {
  if (hash.startsWith('{SHA}')) {
    const stored = Buffer.from(hash.slice(5));
    return { check: (password) => constantTimeEqual(stored, Buffer.from(createHash('sha1').update(password).digest('base64'))) };
  }
  if (BCRYPT.some((prefix) => hash.startsWith(prefix))) {
    throw new Error(
      `basicAuth user "${user}": bcrypt hashes (${hash.slice(0, 4)}...) are not supported by pe-edge; `
      + 'use Apache MD5 ($apr1$, `htpasswd -nbm`), MD5-crypt ($1$) or {SHA} (`htpasswd -nbs`)',
    );
  }
  const stored = Buffer.from(hash);
  const parts = hash.split('$');
  if (parts.length < 4) return NEVER;
  const magic = Buffer.from(`$${parts[1] as string}$`);
  const salt = Buffer.from(parts[2] as string);
  return { check: (password) => constantTimeEqual(stored, md5Crypt(password, salt, magic)) };
}

const NEVER: HtpasswdSecret = { check: () => false };

/** subtle.ConstantTimeCompare: different lengths never match. */
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
