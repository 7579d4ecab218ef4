import zlib from 'node:zlib';

/**
 * A one-pass gzip encoder for small bodies, in the spirit of libslz (HAProxy's): each 4-byte sequence's last
 * position in a hash table, the first match there taken greedily, deflate's fixed Huffman codes, no block
 * analysis. For a 4 kB HTML page it costs a fraction of zlib's level 6 (no 256 KiB of zlib state to allocate and
 * clear, no stream object per call) and gives about a fifth more bytes. Bodies it cannot shrink go out as stored
 * blocks (5 bytes more per 64 KiB). Any gzip decoder reads the result.
 */

/** Whether this node has a native CRC-32 (node 20.15, 22.2): without it, bodies go to zlib, which has one. */
export const fastGzipAvailable = typeof zlib.crc32 === 'function';

const HASH_BITS = 13;
const WINDOW = 32768;
const MIN_MATCH = 4;
const MAX_MATCH = 258;
const STORED_MAX = 65535;

// Positions seen, by hash of the 4 bytes there: one table for the process, reused by every call (calls run to
// their end on one thread). An entry holds position + `base`; every call starts with a `base` past all entries
// written before, so an older call's entries read as empty: the output depends on the body alone.
const lastSeen = new Int32Array(1 << HASH_BITS);
let base = 1;

// Fixed Huffman codes (RFC 1951, 3.2.6), bit-reversed once here: deflate sends Huffman codes from their first bit.
const LIT_CODE = new Uint16Array(288);
const LIT_BITS = new Uint8Array(288);
// Per match length 3..258: the length symbol's code with its extra bits above it, and the count of both.
const LEN_CODE = new Uint16Array(MAX_MATCH + 1);
const LEN_BITS = new Uint8Array(MAX_MATCH + 1);
// Per distance code 0..29: its 5-bit code reversed, its extra bits and the first distance it stands for.
const DIST_CODE = new Uint8Array(30);
const DIST_EXTRA = new Uint8Array(30);
const DIST_BASE = new Uint16Array(30);

function reversed(code: number, bits: number): number {
  let out = 0;
  for (let i = 0; i < bits; i++) out |= ((code >>> i) & 1) << (bits - 1 - i);
  return out;
}

{
  for (let symbol = 0; symbol < 288; symbol++) {
    const [first, start, bits] = symbol < 144 ? [0, 0x30, 8] : symbol < 256 ? [144, 0x190, 9] : symbol < 280 ? [256, 0, 7] : [280, 0xc0, 8];
    LIT_CODE[symbol] = reversed(start + symbol - first, bits);
    LIT_BITS[symbol] = bits;
  }
  let length = 3;
  for (let code = 0; code < 29; code++) {
    const extra = code < 4 || code === 28 ? 0 : (code >>> 2) - 1;
    const count = code === 28 ? 1 : 1 << extra;
    for (let i = 0; i < count && length <= MAX_MATCH; i++, length++) {
      // Length 258 has a code of its own (285) although 284's range would reach it.
      const symbol = length === MAX_MATCH ? 285 : 257 + code;
      const [extraBits, extraValue] = symbol === 285 ? [0, 0] : [extra, i];
      LEN_CODE[length] = (LIT_CODE[symbol] as number) | (extraValue << (LIT_BITS[symbol] as number));
      LEN_BITS[length] = (LIT_BITS[symbol] as number) + extraBits;
    }
  }
  let distance = 1;
  for (let code = 0; code < 30; code++) {
    const extra = code < 2 ? 0 : (code >>> 1) - 1;
    DIST_CODE[code] = reversed(code, 5);
    DIST_EXTRA[code] = extra;
    DIST_BASE[code] = distance;
    distance += 1 << extra;
  }
}

/** Distance code of a distance 1..32768 (RFC 1951's table, computed). */
function distanceCode(distance: number): number {
  const d = distance - 1;
  if (d < 4) return d;
  const top = 31 - Math.clz32(d);
  return 2 * top + ((d >>> (top - 1)) & 1);
}

// Where output goes before its exact-size copy: grown to the largest body seen (at most 64 KiB's worth).
let scratch = new Uint8Array(0);

/** The gzip member of `body`, with mtime 0 and OS "Unix" as zlib writes them. */
export function fastGzip(body: Uint8Array): Buffer {
  const n = body.length;
  // 9 bits per literal at worst, the fixed block's header and end, and a byte of slack for the last bits.
  const bound = 10 + Math.ceil((n * 9) / 8) + 8 + 8;
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const out = scratch;
  out.set(HEADER, 0);
  let deflated = deflateFixed(body, out, HEADER.length);
  // Stored blocks, when the fixed codes did not shrink the body: a random or already-compressed body grows by
  // 5 bytes per 65,535 instead of an eighth.
  if (deflated - HEADER.length >= n + 5 * Math.max(1, Math.ceil(n / STORED_MAX))) deflated = deflateStored(body, out, HEADER.length);
  const result = Buffer.allocUnsafe(deflated + 8);
  result.set(out.subarray(0, deflated), 0);
  result.writeUInt32LE(zlib.crc32(body), deflated);
  result.writeUInt32LE(n, deflated + 4);
  return result;
}

// ID1 ID2, CM deflate, no flags, mtime 0, XFL 4 (fastest), OS 3 (Unix).
const HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3);

/** One final fixed-Huffman block of `data` into `out` from `at`; returns where it ends. */
function deflateFixed(data: Uint8Array, out: Uint8Array, at: number): number {
  const n = data.length;
  if (base > 0x7fffffff - n - 1) {
    lastSeen.fill(0);
    base = 1;
  }
  const start = base;
  base += n + 1;
  // Bits not yet written, lowest first; `count` stays under 16 between writes, so no write overflows 32 bits.
  let bits = 0b011; // BFINAL, then BTYPE 01 (fixed codes)
  let count = 3;
  let o = at;
  let p = 0;
  const last = n - MIN_MATCH;
  // Module-level tables as locals: V8 keeps them in registers through the loop.
  const table = lastSeen;
  const litCode = LIT_CODE;
  const litBits = LIT_BITS;
  // The 4 bytes from p, the first lowest: shifted along by one byte per literal, read anew after a match.
  let word = n < MIN_MATCH ? 0 : data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
  while (p <= last) {
    const slot = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
    const candidate = table[slot]! - start;
    table[slot] = p + start;
    let length = 0;
    if (candidate >= 0 && p - candidate <= WINDOW &&
      data[candidate] === data[p] && data[candidate + 1] === data[p + 1] && data[candidate + 2] === data[p + 2] && data[candidate + 3] === data[p + 3]) {
      const limit = Math.min(MAX_MATCH, n - p);
      length = MIN_MATCH;
      while (length < limit && data[candidate + length] === data[p + length]) length++;
    }
    if (length === 0) {
      const literal = word & 0xff;
      bits |= litCode[literal]! << count;
      count += litBits[literal]!;
      p++;
      if (p <= last) word = (word >>> 8) | (data[p + 3]! << 24);
    } else {
      bits |= LEN_CODE[length]! << count;
      count += LEN_BITS[length]!;
      if (count >= 16) {
        out[o++] = bits & 0xff;
        out[o++] = (bits >>> 8) & 0xff;
        bits >>>= 16;
        count -= 16;
      }
      const code = distanceCode(p - candidate);
      bits |= DIST_CODE[code]! << count;
      count += 5;
      const extra = DIST_EXTRA[code]!;
      if (extra > 0) {
        if (count >= 16) {
          out[o++] = bits & 0xff;
          out[o++] = (bits >>> 8) & 0xff;
          bits >>>= 16;
          count -= 16;
        }
        bits |= (p - candidate - DIST_BASE[code]!) << count;
        count += extra;
      }
      p += length;
      if (p <= last) word = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
    }
    if (count >= 16) {
      out[o++] = bits & 0xff;
      out[o++] = (bits >>> 8) & 0xff;
      bits >>>= 16;
      count -= 16;
    }
  }
  for (; p < n; p++) {
    const literal = data[p]!;
    bits |= LIT_CODE[literal]! << count;
    count += LIT_BITS[literal]!;
    if (count >= 16) {
      out[o++] = bits & 0xff;
      out[o++] = (bits >>> 8) & 0xff;
      bits >>>= 16;
      count -= 16;
    }
  }
  // End of block (symbol 256: seven zero bits), then the last partial byte.
  count += 7;
  while (count > 0) {
    out[o++] = bits & 0xff;
    bits >>>= 8;
    count -= 8;
  }
  return o;
}

/** `data` as stored blocks of up to 65,535 bytes into `out` from `at`; returns where they end. */
function deflateStored(data: Uint8Array, out: Uint8Array, at: number): number {
  let o = at;
  let p = 0;
  do {
    const length = Math.min(STORED_MAX, data.length - p);
    const final = p + length === data.length;
    out[o++] = final ? 1 : 0; // BFINAL, BTYPE 00, the rest of the byte skipped
    out[o++] = length & 0xff;
    out[o++] = length >>> 8;
    out[o++] = ~length & 0xff;
    out[o++] = (~length >>> 8) & 0xff;
    out.set(data.subarray(p, p + length), o);
    o += length;
    p += length;
  } while (p < data.length);
  return o;
}
