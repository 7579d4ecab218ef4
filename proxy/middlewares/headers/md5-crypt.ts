import { createHash } from 'node:crypto';

// MD5-crypt as go-http-auth computes it (Apache `$apr1$` and BSD `$1$` differ only in the magic).
// compose/password.ts has an apr1 generator too; proxy/ may not import compose/, hence this copy.

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SWAPS = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

/** `<magic><salt>$<22 chars>` for this password, salt and magic (e.g. `$apr1$`). */
export function md5Crypt(password: Buffer, salt: Buffer, magic: Buffer): Buffer {
  const d = createHash('md5').update(password).update(magic).update(salt);
  const mixin = createHash('md5').update(password).update(salt).update(password).digest();
  for (let i = 0; i < password.length; i++) d.update(mixin.subarray(i % 16, (i % 16) + 1));
  for (let i = password.length; i !== 0; i >>>= 1) d.update((i & 1) === 0 ? password.subarray(0, 1) : ZERO);
  let final = d.digest();
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
      out += ITOA64[v & 0x3f];
      v >>>= 6;
    }
  }
  out += ITOA64[v & 0x3f];
  return Buffer.concat([magic, salt, Buffer.from('$' + out)]);
}

const ZERO = Buffer.from([0]);
