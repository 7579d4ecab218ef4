import { blowfishInitialState } from './blowfish-pi.js';

// bcrypt verification (Provos & Mazières' EksBlowfish, as Go's x/crypto/bcrypt computes it).

const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAGIC = Buffer.from('OrpheanBeholderScryDoubt');
const HASH_FORMAT = /^\$2[abxy]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

let initial: Uint32Array | null = null;

/** A parsed `$2?$cc$<salt><hash>`, or null when the string is not a bcrypt hash. */
export interface BcryptHash {
  cost: number;
  salt: Buffer;
  /** The 31 encoded characters of the hash. */
  hash: string;
}

export function parseBcrypt(text: string): BcryptHash | null {
  const m = HASH_FORMAT.exec(text);
  if (m === null) return null;
  const cost = Number(m[1]);
  if (cost < 4 || cost > 31) return null;
  return { cost, salt: decode(m[2] as string, 16), hash: m[3] as string };
}

/** The 31-character hash bcrypt gives `password` with this cost and salt. */
export function bcryptHash(password: Buffer, cost: number, salt: Buffer): string {
  initial ??= blowfishInitialState();
  const state = new Uint32Array(initial);
  const key = Buffer.concat([password, Buffer.from([0])]);
  expand(state, key, salt);
  for (let i = 0, rounds = 2 ** cost; i < rounds; i++) {
    expand(state, key, null);
    expand(state, salt, null);
  }
  const data = new Uint32Array(6);
  for (let i = 0; i < 6; i++) data[i] = MAGIC.readUInt32BE(i * 4);
  const lr = new Uint32Array(2);
  for (let n = 0; n < 64; n++) {
    for (let i = 0; i < 6; i += 2) {
      lr[0] = data[i] as number;
      lr[1] = data[i + 1] as number;
      encipher(state, lr);
      data[i] = lr[0] as number;
      data[i + 1] = lr[1] as number;
    }
  }
  const out = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) out.writeUInt32BE(data[i] as number, i * 4);
  return encode(out.subarray(0, 23));
}

/** ExpandKey (salt null: the key-only expand0state of the cost loop). */
function expand(state: Uint32Array, key: Buffer, salt: Buffer | null): void {
  const cursor = { j: 0 };
  for (let i = 0; i < 18; i++) state[i] = (state[i] as number) ^ nextWord(key, cursor);
  const saltCursor = { j: 0 };
  const lr = new Uint32Array(2);
  for (let i = 0; i < state.length; i += 2) {
    if (salt !== null) {
      lr[0] = (lr[0] as number) ^ nextWord(salt, saltCursor);
      lr[1] = (lr[1] as number) ^ nextWord(salt, saltCursor);
    }
    encipher(state, lr);
    state[i] = lr[0] as number;
    state[i + 1] = lr[1] as number;
  }
}

function nextWord(data: Buffer, cursor: { j: number }): number {
  let word = 0;
  for (let i = 0; i < 4; i++) {
    word = (word << 8) | (data[cursor.j] as number);
    cursor.j = (cursor.j + 1) % data.length;
  }
  return word >>> 0;
}

/** One Blowfish block: P is state[0..17], the S-boxes follow it. */
function encipher(s: Uint32Array, lr: Uint32Array): void {
  let l = lr[0] as number;
  let r = lr[1] as number;
  for (let i = 0; i < 16; i += 2) {
    l ^= s[i] as number;
    r ^= f(s, l);
    r ^= s[i + 1] as number;
    l ^= f(s, r);
  }
  lr[0] = r ^ (s[17] as number);
  lr[1] = l ^ (s[16] as number);
}

function f(s: Uint32Array, x: number): number {
  const a = s[18 + (x >>> 24)] as number;
  const b = s[274 + ((x >>> 16) & 0xff)] as number;
  const c = s[530 + ((x >>> 8) & 0xff)] as number;
  const d = s[786 + (x & 0xff)] as number;
  return ((((a + b) | 0) ^ c) + d) | 0;
}

/** bcrypt's base64: its own alphabet, no padding. */
function encode(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = i + 1 < bytes.length ? (bytes[i + 1] as number) : 0;
    const b2 = i + 2 < bytes.length ? (bytes[i + 2] as number) : 0;
    out += B64[b0 >> 2];
    out += B64[((b0 & 3) << 4) | (b1 >> 4)];
    if (i + 1 < bytes.length) out += B64[((b1 & 15) << 2) | (b2 >> 6)];
    if (i + 2 < bytes.length) out += B64[b2 & 63];
  }
  return out;
}

function decode(text: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of text) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < length) out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
