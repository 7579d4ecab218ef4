import { createHash } from 'node:crypto';

// MD5-crypt (Poul-Henning Kamp's), as go-http-auth computes it: Apache's `$apr1$` and BSD's `$1$` differ only in
// the magic. The one copy: basicAuth verifies with it, `pe-edge compose` makes dashboard hashes with it.

/** The crypt alphabet of salts and encoded hashes. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SWAPS = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];
const APR1 = '$apr1$';

/** `<magic><salt>$<22 chars>` for this password, salt and magic (e.g. `$apr1$`). */
export function md5Crypt(password: Buffer, salt: Buffer, magic: Buffer): Buffer {
  const d = createHash('md5').update(password).update(magic).update(salt);
  const mixin = createHash('md5').update(password).update(salt).update(password).digest();
  for (let i = 0; i < password.length; i++) d.update(mixin.subarray(i % 16, (i % 16) + 1));
  for (let i = password.length; i !== 0; i >>>= 1) d.update((i & 1) === 0 ? password.subarray(0, 1) : ZERO);
  let final = d.digest();
  // 1000 rounds so that brute force costs something (what MD5-crypt adds to MD5; bcrypt is stronger).
  for (let i = 0; i < 1000; i++) {
    const d2 = createHash('md5');
    d2.update((i & 1) === 0 ? final : password);
    if (i % 3 !== 0) d2.update(salt);
    if (i % 7 !== 0) d2.update(password);
    d2.update((i & 1) === 0 ? password : final);
    final = d2.digest();
  }
  let out = '';
  let v = 0;
  let bits = 0;
  for (const i of SWAPS) {
    v |= (final[i] as number) << bits;
    for (bits += 8; bits > 6; bits -= 6) {
      out += CRYPT_ALPHABET[v & 0x3f];
      v >>>= 6;
    }
  }
  out += CRYPT_ALPHABET[v & 0x3f];
  return Buffer.concat([magic, salt, Buffer.from('$' + out)]);
}

/**
 * `htpasswd -m`: `$apr1$<salt>$<22 chars>`. The salt may be given as a whole `$apr1$` hash; like Apache, only its
 * first 8 characters count.
 */
export function apr1Hash(password: string, salt: string): string {
  const s = salt.replace(/^\$apr1\$/, '').split('$')[0]?.slice(0, 8) ?? '';
  if (s === '' || [...s].some((c) => !CRYPT_ALPHABET.includes(c))) {
    throw new Error(`apr1 salt "${salt}" must be 1-8 characters of [./0-9A-Za-z]`);
  }
  return md5Crypt(Buffer.from(password, 'utf8'), Buffer.from(s, 'ascii'), Buffer.from(APR1)).toString('latin1');
}

const ZERO = Buffer.from([0]);
