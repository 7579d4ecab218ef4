// Dashboard credentials: a random password and the Apache `$apr1$` (MD5-crypt) hash Traefik's basicAuth reads.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MAGIC = '$apr1$';

/** A password nobody chose: 144 random bits as 24 URL-safe characters (no `$`, `:` or `,`). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** An 8-character salt from the crypt alphabet; 64 divides 256, so `byte & 63` is unbiased. */
export function randomSalt(): string {
  return Array.from(randomBytes(8), (b) => ITOA64[b & 63]).join('');
}

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function to64(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += ITOA64[value & 0x3f];
    value >>>= 6;
  }
  return out;
}

/**
 * `htpasswd -m` compatible hash: `$apr1$<salt>$<22 chars>` (Poul-Henning Kamp's MD5-crypt with
 * Apache's magic). Salt is cut to 8 characters as Apache does; a fresh random one when omitted.
 */
export function apr1(password: string, salt: string = randomSalt()): string {
  const s = salt.replace(/^\$apr1\$/, '').split('$')[0]?.slice(0, 8) ?? '';
  if (s === '' || [...s].some((c) => !ITOA64.includes(c))) {
    throw new Error(`apr1 salt "${salt}" must be 1-8 characters of [./0-9A-Za-z]`);
  }
  const pw = Buffer.from(password, 'utf8');
  const saltBuf = Buffer.from(s, 'ascii');
  const alternate = md5(pw, saltBuf, pw);
  const ctx: Buffer[] = [pw, Buffer.from(MAGIC, 'ascii'), saltBuf];
  for (let left = pw.length; left > 0; left -= 16) ctx.push(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>= 1) ctx.push(i & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  let final = md5(...ctx);
  // 1000 rounds so that brute force costs something (this is what MD5-crypt fixes; bcrypt is stronger).
  for (let i = 0; i < 1000; i++) {
    final = md5(
      i & 1 ? pw : final,
      i % 3 ? saltBuf : Buffer.alloc(0),
      i % 7 ? pw : Buffer.alloc(0),
      i & 1 ? final : pw,
    );
  }
  const b = (i: number): number => final[i] ?? 0;
  const encoded =
    to64((b(0) << 16) | (b(6) << 8) | b(12), 4) +
    to64((b(1) << 16) | (b(7) << 8) | b(13), 4) +
    to64((b(2) << 16) | (b(8) << 8) | b(14), 4) +
    to64((b(3) << 16) | (b(9) << 8) | b(15), 4) +
    to64((b(4) << 16) | (b(10) << 8) | b(5), 4) +
    to64(b(11), 2);
  return `${MAGIC}${s}$${encoded}`;
}

/** True when `password` produces `hash` (an `$apr1$` hash); constant-time comparison. */
export function verifyApr1(password: string, hash: string): boolean {
  if (!hash.startsWith(MAGIC)) return false;
  const expected = Buffer.from(hash);
  const actual = Buffer.from(apr1(password, hash.slice(MAGIC.length)));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Hash formats Traefik's basicAuth accepts (goauth/htpasswd): bcrypt `$2y$`/`$2a$`/`$2b$`, `$apr1$`,
 * `{SHA}`. Anything else is most likely a plain password pasted where a hash belongs.
 */
export function isSupportedHash(hash: string): boolean {
  return /^\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/.test(hash) ||
    /^\$2[aby]\$\d\d\$[./0-9A-Za-z]{53}$/.test(hash) ||
    /^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash);
}

/** One basicAuth `users` entry, `user:hash`, the format `htpasswd -nb` prints. */
export function htpasswdLine(user: string, hash: string): string {
  if (user === '' || /[:,\s$]/.test(user)) throw new Error(`dashboard user "${user}" must be non-empty without ':', ',', '$' or spaces`);
  return `${user}:${hash}`;
}
