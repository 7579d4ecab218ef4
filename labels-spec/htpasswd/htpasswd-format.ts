import { MAX_BCRYPT_COST } from './htpasswd-secret.js';

// Which htpasswd hash a string is, and whether basicAuth can ever let its user in: what `pe-edge compose`
// checks before it writes a hash into a generated file (the middleware itself follows Traefik: 401, see
// htpasswd-secret.ts).

export type HtpasswdFormat = 'bcrypt' | 'apr1' | 'md5-crypt' | 'sha1' | 'sha256-crypt' | 'sha512-crypt' | 'des-crypt' | 'plain';

const WELL_FORMED: Partial<Record<HtpasswdFormat, RegExp>> = {
  bcrypt: /^\$2[abxy]\$(0[4-9]|[12]\d|3[01])\$[./0-9A-Za-z]{53}$/,
  apr1: /^\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/,
  'md5-crypt': /^\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/,
  sha1: /^\{SHA\}[A-Za-z0-9+/]{27}=$/,
};

/** What Apache's htpasswd option makes each format, for messages. */
const MADE_BY: Record<HtpasswdFormat, string> = {
  bcrypt: 'bcrypt (htpasswd -B)',
  apr1: 'MD5-crypt $apr1$ (htpasswd -m)',
  'md5-crypt': 'MD5-crypt $1$',
  sha1: '{SHA} (htpasswd -s)',
  'sha256-crypt': 'SHA-256 crypt $5$ (htpasswd -2)',
  'sha512-crypt': 'SHA-512 crypt $6$ (htpasswd -5)',
  'des-crypt': 'DES crypt (htpasswd -d)',
  plain: 'plain text (htpasswd -p)',
};

/** The format of a stored hash, by its prefix (13 crypt characters with none are read as DES crypt). */
export function htpasswdFormat(hash: string): HtpasswdFormat {
  if (/^\$2[abxy]\$/.test(hash)) return 'bcrypt';
  if (hash.startsWith('$apr1$')) return 'apr1';
  if (hash.startsWith('$1$')) return 'md5-crypt';
  if (hash.startsWith('{SHA}')) return 'sha1';
  if (hash.startsWith('$5$')) return 'sha256-crypt';
  if (hash.startsWith('$6$')) return 'sha512-crypt';
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'des-crypt';
  return 'plain';
}

/** Why no password can ever pass basicAuth with this hash, or null when one can. */
export function htpasswdHashProblem(hash: string): string | null {
  const format = htpasswdFormat(hash);
  const shape = WELL_FORMED[format];
  if (shape === undefined) {
    return `a ${MADE_BY[format]} hash, which Traefik's basicAuth never matches: use bcrypt (htpasswd -nbB), $apr1$ (htpasswd -nbm) or {SHA}`;
  }
  if (!shape.test(hash)) return `a malformed ${MADE_BY[format]} hash`;
  if (format === 'bcrypt' && Number(hash.slice(4, 6)) > MAX_BCRYPT_COST) {
    return `a bcrypt hash of cost ${hash.slice(4, 6)}, above ${MAX_BCRYPT_COST} (over a second of blocked proxy per login attempt): re-hash with htpasswd -nbB -C 12`;
  }
  return null;
}
