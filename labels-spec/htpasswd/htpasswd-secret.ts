import { isUtf8 } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { hashSync } from 'bcryptjs';
import { md5Crypt } from './md5-crypt.js';
import { sha256 } from '../sha256.js';

/**
 * A stored htpasswd hash, parsed once: `check` hashes the offered password and compares in constant time. The
 * verdict is a promise only where the bcrypt hash was handed to an asynchronous hasher (the proxy's worker threads).
 */
export interface HtpasswdSecret<Verdict extends boolean | Promise<boolean> = boolean> {
  check(password: Buffer): Verdict;
}

/** bcrypt of `password` with `settings` (`$2b$NN$` and the 22-character salt): the 60-character hash. */
export type BcryptHasher = (password: string, settings: string) => Promise<string>;

const BCRYPT_PREFIXES = ['$2a$', '$2b$', '$2x$', '$2y$'];
const BCRYPT_FORMAT = /^\$2[abxy]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** Each step doubles the work: bcryptjs spends ~90 ms at cost 10 here, ~1.4 s at 14 (on a worker thread in the proxy). */
export const MAX_BCRYPT_COST = 14;

/**
 * go-http-auth's CheckSecret (Traefik's basicAuth): `{SHA}` base64 SHA-1, bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`),
 * and anything else read as MD5-crypt `$<magic>$<salt>$<hash>` (so `$apr1$` and `$1$` work). Plain text, DES crypt,
 * SHA-256/512 crypt (`$5$`, `$6$`) never match: Traefik builds such a user and answers it 401, and so does pe-edge.
 * The one departure: a bcrypt cost above MAX_BCRYPT_COST is a configuration error naming the user.
 */
export function parseHtpasswdSecret(user: string, hash: string): HtpasswdSecret;
/** The same, bcrypt hashed by `bcrypt` (off the event loop) so that a check may answer later. */
export function parseHtpasswdSecret(user: string, hash: string, bcrypt: BcryptHasher): HtpasswdSecret<boolean | Promise<boolean>>;
export function parseHtpasswdSecret(user: string, hash: string, bcrypt?: BcryptHasher): HtpasswdSecret<boolean | Promise<boolean>> {
  if (hash.startsWith('{SHA}')) {
    const stored = Buffer.from(hash.slice(5));
    return { check: (password) => constantTimeEqual(stored, Buffer.from(createHash('sha1').update(password).digest('base64'))) };
  }
  if (BCRYPT_PREFIXES.some((prefix) => hash.startsWith(prefix))) return bcryptSecret(user, hash, bcrypt);
  const stored = Buffer.from(hash);
  const parts = hash.split('$');
  if (parts.length < 4) return NEVER;
  const magic = Buffer.from(`$${parts[1] as string}$`);
  const salt = Buffer.from(parts[2] as string);
  // MD5-crypt is 1,000 rounds of MD5 (a millisecond or two per request): remembered like bcrypt.
  return rememberLastGood((password) => constantTimeEqual(stored, md5Crypt(password, salt, magic)));
}

/**
 * The slow hashes cost milliseconds of CPU, so the last password that matched is remembered as its SHA-256 (as Caddy
 * does): a returning user costs one hash, only new or wrong passwords pay the slow one.
 */
function rememberLastGood<V extends boolean | Promise<boolean>>(slowCheck: (password: Buffer) => V): HtpasswdSecret<boolean | V> {
  let lastGood: Buffer | null = null;
  return {
    check: (password) => {
      const digest = sha256(password);
      if (lastGood !== null && constantTimeEqual(lastGood, digest)) return true;
      const remember = (ok: boolean): boolean => {
        if (ok) lastGood = digest;
        return ok;
      };
      const verdict = slowCheck(password);
      return typeof verdict === 'boolean' ? remember(verdict) : verdict.then(remember) as V;
    },
  };
}

function bcryptSecret(user: string, hash: string, bcrypt: BcryptHasher | undefined): HtpasswdSecret<boolean | Promise<boolean>> {
  const m = BCRYPT_FORMAT.exec(hash);
  const cost = m === null ? 0 : Number(m[1]);
  if (cost < 4 || cost > 31) return NEVER; // Go's bcrypt rejects a malformed hash: it never matches
  if (cost > MAX_BCRYPT_COST) {
    throw new Error(`basicAuth user "${user}": bcrypt cost ${cost} is above ${MAX_BCRYPT_COST} (over a second of blocked proxy per login attempt); re-hash with htpasswd -nbB -C 12`);
  }
  // bcryptjs knows no `$2x$`; Go reads every minor alike, so the salt goes in as `$2b$`. Only the 31 hash characters
  // are compared, as Go compares them (bcryptjs re-encodes the salt, which may differ in its last character's spare bits).
  const settings = `$2b$${hash.slice(4, 29)}`;
  const stored = Buffer.from(hash.slice(29));
  const matches = (computed: string): boolean => constantTimeEqual(stored, Buffer.from(computed.slice(29)));
  return rememberLastGood((password): boolean | Promise<boolean> => {
    // bcryptjs takes the password as a string and hashes its UTF-8: bytes that are no UTF-8 cannot be handed over.
    if (!isUtf8(password)) return false;
    const text = password.toString('utf8');
    return bcrypt === undefined ? matches(hashSync(text, settings)) : bcrypt(text, settings).then(matches, () => false);
  });
}

const NEVER: HtpasswdSecret = { check: () => false };

/** subtle.ConstantTimeCompare: different lengths never match. */
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
