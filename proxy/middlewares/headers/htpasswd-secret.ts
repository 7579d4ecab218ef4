import { createHash, timingSafeEqual } from 'node:crypto';
import { bcryptHash, parseBcrypt } from './bcrypt.js';
import { md5Crypt } from './md5-crypt.js';

/** A stored htpasswd hash, parsed once: `check` hashes the offered password and compares in constant time. */
export interface HtpasswdSecret {
  check(password: Buffer): boolean;
}

const BCRYPT = ['$2a$', '$2b$', '$2x$', '$2y$'];
/** Each step doubles the work: 14 is ~1 s per check here, where Traefik spends it off the request path. */
const MAX_BCRYPT_COST = 14;

/**
 * go-http-auth's CheckSecret: `{SHA}` base64 SHA-1, bcrypt, and anything else read as MD5-crypt
 * `$<magic>$<salt>$<hash>` (so `$apr1$` and `$1$` work; plain text, DES, `$5$`, `$6$` never match).
 */
export function parseHtpasswdSecret(user: string, hash: string): HtpasswdSecret {
  if (hash.startsWith('{SHA}')) {
    const stored = Buffer.from(hash.slice(5));
    return { check: (password) => constantTimeEqual(stored, Buffer.from(createHash('sha1').update(password).digest('base64'))) };
  }
  if (BCRYPT.some((prefix) => hash.startsWith(prefix))) return bcryptSecret(user, hash);
  const stored = Buffer.from(hash);
  const parts = hash.split('$');
  if (parts.length < 4) return NEVER;
  const magic = Buffer.from(`$${parts[1] as string}$`);
  const salt = Buffer.from(parts[2] as string);
  // MD5-crypt is 1,000 rounds of MD5 in JavaScript (milliseconds per request): remembered like bcrypt.
  return rememberLastGood((password) => constantTimeEqual(stored, md5Crypt(password, salt, magic)));
}

/**
 * The slow hashes run on the event loop (bcrypt ~70 ms at cost 10), so the last password that matched is remembered
 * as its SHA-256 (as Caddy does): a returning user costs one hash, only new or wrong passwords pay the slow one.
 */
function rememberLastGood(slowCheck: (password: Buffer) => boolean): HtpasswdSecret {
  let lastGood: Buffer | null = null;
  return {
    check: (password) => {
      const digest = createHash('sha256').update(password).digest();
      if (lastGood !== null && constantTimeEqual(lastGood, digest)) return true;
      if (!slowCheck(password)) return false;
      lastGood = digest;
      return true;
    },
  };
}

function bcryptSecret(user: string, hash: string): HtpasswdSecret {
  const parsed = parseBcrypt(hash);
  if (parsed === null) return NEVER; // Go's bcrypt rejects a malformed hash: it never matches
  if (parsed.cost > MAX_BCRYPT_COST) {
    throw new Error(`basicAuth user "${user}": bcrypt cost ${parsed.cost} is above ${MAX_BCRYPT_COST} (over a second of blocked proxy per login attempt); re-hash with htpasswd -nbB -C 12`);
  }
  const stored = Buffer.from(parsed.hash);
  return rememberLastGood((password) => constantTimeEqual(stored, Buffer.from(bcryptHash(password, parsed.cost, parsed.salt))));
}

const NEVER: HtpasswdSecret = { check: () => false };

/** subtle.ConstantTimeCompare: different lengths never match. */
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
