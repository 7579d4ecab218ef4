// Dashboard credentials: a random password and the Apache `$apr1$` (MD5-crypt) hash Traefik's basicAuth reads,
// made and checked by the htpasswd module basicAuth itself uses (labels-spec/htpasswd/).
import { randomBytes } from 'node:crypto';
import { htpasswdHashProblem } from '../labels-spec/htpasswd/htpasswd-format.js';
import { parseHtpasswdSecret } from '../labels-spec/htpasswd/htpasswd-secret.js';
import { apr1Hash, CRYPT_ALPHABET } from '../labels-spec/htpasswd/md5-crypt.js';

export { htpasswdHashProblem };

/** A password nobody chose: 144 random bits as 24 URL-safe characters (no `$`, `:` or `,`). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** An 8-character salt from the crypt alphabet; 64 divides 256, so `byte & 63` is unbiased. */
export function randomSalt(): string {
  return Array.from(randomBytes(8), (b) => CRYPT_ALPHABET[b & 63]).join('');
}

/**
 * `htpasswd -m` compatible hash: `$apr1$<salt>$<22 chars>`. Salt is cut to 8 characters as Apache does; a fresh
 * random one when omitted.
 */
export function apr1(password: string, salt: string = randomSalt()): string {
  return apr1Hash(password, salt);
}

/** True when `password` passes basicAuth with this `$apr1$` hash (as the middleware checks it). */
export function verifyApr1(password: string, hash: string): boolean {
  return hash.startsWith('$apr1$') && parseHtpasswdSecret('', hash).check(Buffer.from(password, 'utf8'));
}

/**
 * A hash basicAuth can let someone in with: well-formed bcrypt (`$2a$`/`$2b$`/`$2x$`/`$2y$`, cost at most 14),
 * `$apr1$`, `$1$` or `{SHA}`. Anything else is refused, most likely a plain password pasted where a hash belongs.
 */
export function isSupportedHash(hash: string): boolean {
  return htpasswdHashProblem(hash) === null;
}

/** One basicAuth `users` entry, `user:hash`, the format `htpasswd -nb` prints. */
export function htpasswdLine(user: string, hash: string): string {
  if (user === '' || /[:,\s$]/.test(user)) throw new Error(`dashboard user "${user}" must be non-empty without ':', ',', '$' or spaces`);
  return `${user}:${hash}`;
}
