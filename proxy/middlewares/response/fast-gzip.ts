import zlib from 'node:zlib';
import { canonicalCodes, huffmanLengths, reversed } from './deflate-huffman.js';

/**
 * A one-pass gzip encoder for small bodies, in the spirit of libslz (HAProxy's): each 4-byte sequence's last
 * position in a hash table, the match found there taken greedily, one block whose Huffman codes fit the body's
 * own symbol counts (or deflate's fixed codes, or stored bytes, whichever is shortest). For a 4 kB HTML page it
 * costs well under zlib's level 6 (no 256 KiB of zlib state to allocate and clear, no stream object per call,
 * no lazy matching) for about a tenth more bytes (test/bench/fast-gzip.bench.ts). It runs on the calling thread
 * at a few ns per byte: callers keep it to small bodies. Any gzip decoder reads the result.
 */

/** Whether this node has a native CRC-32 (node 20.15, 22.2): without it, bodies go to zlib, which has one. */
export const fastGzipAvailable = typeof zlib.crc32 === 'function';

const HASH_BITS = 13;
const WINDOW = 32768;
const MIN_MATCH = 4;
const MAX_MATCH = 258;
const STORED_MAX = 65535;
const END_OF_BLOCK = 256;

// Positions seen, by hash of the 4 bytes there: one table for the process, reused by every call (calls run to
// their end on one thread). Entry 2h holds position + `base`; every call starts with a `base` past all entries
// written before, so an older call's entries read as empty: the output depends on the body alone. Entry 2h + 1
// holds the 4 bytes at that position, as libslz keeps them: a probe compares one number, not four bytes there.
// Side by side, a probe's two numbers share a cache line (the table is larger than a core's L1 cache).
const seen = new Int32Array(2 << HASH_BITS);
let base = 1;

// Per match length 3..258: its symbol (257..285), extra bits and their value.
const LEN_SYMBOL = new Uint16Array(MAX_MATCH + 1);
const LEN_EXTRA = new Uint8Array(MAX_MATCH + 1);
const LEN_EXTRA_VALUE = new Uint8Array(MAX_MATCH + 1);
// Per distance code 0..29: its extra bits and the first distance it stands for.
const DIST_EXTRA = new Uint8Array(30);
const DIST_BASE = new Uint16Array(30);
// Fixed Huffman codes (RFC 1951, 3.2.6) as `canonicalCodes` gives codes: bit-reversed code | length << 16.
const FIXED_LIT = new Uint32Array(288);
const FIXED_DIST = new Uint32Array(30);
// The order code-length code lengths are sent in (RFC 1951, 3.2.7).
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

{
  let length = 3;
  for (let code = 0; code < 29; code++) {
    const extra = code < 4 || code === 28 ? 0 : (code >>> 2) - 1;
    for (let i = 0; i < 1 << extra && length <= MAX_MATCH; i++, length++) {
      // Length 258 has a code of its own (285) although 284's range would reach it.
      const own = length === MAX_MATCH;
      LEN_SYMBOL[length] = own ? 285 : 257 + code;
      LEN_EXTRA[length] = own ? 0 : extra;
      LEN_EXTRA_VALUE[length] = own ? 0 : i;
    }
  }
  let distance = 1;
  for (let code = 0; code < 30; code++) {
    const extra = code < 2 ? 0 : (code >>> 1) - 1;
    DIST_EXTRA[code] = extra;
    DIST_BASE[code] = distance;
    distance += 1 << extra;
    FIXED_DIST[code] = reversed(code, 5) | (5 << 16);
  }
  for (let symbol = 0; symbol < 288; symbol++) {
    const [first, start, bits] = symbol < 144 ? [0, 0x30, 8] : symbol < 256 ? [144, 0x190, 9] : symbol < 280 ? [256, 0, 7] : [280, 0xc0, 8];
    FIXED_LIT[symbol] = reversed(start + symbol - first, bits) | (bits << 16);
  }
}

/** Distance code of a distance 1..32768 (RFC 1951's table, computed). */
function distanceCode(distance: number): number {
  const d = distance - 1;
  if (d < 4) return d;
  const top = 31 - Math.clz32(d);
  return 2 * top + ((d >>> (top - 1)) & 1);
}

// One call's symbol counts, codes and scratch space, reused by the next.
const litCount = new Uint32Array(286);
const distCount = new Uint32Array(30);
const litBits = new Uint8Array(286);
const distBits = new Uint8Array(30);
const litCode = new Uint32Array(286);
const distCode = new Uint32Array(30);
// The code lengths as sent: run-length symbols 0..18 and their extra bits' values.
const lengthSymbols = new Uint8Array(286 + 30);
const lengthExtras = new Uint8Array(286 + 30);
const lengthCount = new Uint32Array(19);
const lengthBits = new Uint8Array(19);
const lengthCode = new Uint32Array(19);
// A literal as its byte; a match as MATCH | its distance code << 24 | the distance's extra bits' value << 9 | its
// length (4..258): what writeSymbols sends, found once.
const MATCH = 1 << 30;
// The symbols found, and the output before its exact-size copy: both grow to the largest body seen.
let symbols = new Uint32Array(0);
let scratch = new Uint8Array(0);

/**
 * The gzip member of `body`, with mtime 0 and OS "Unix" as zlib writes them. `crc32`, when the caller has it
 * (compress's cache key), is the body's CRC-32: not computed again.
 */
export function fastGzip(body: Uint8Array, crc32: number | null = null): Buffer {
  const n = body.length;
  const blocks = Math.max(1, Math.ceil(n / STORED_MAX));
  const storedBytes = n + 5 * blocks;
  if (symbols.length < n) symbols = new Uint32Array(n);
  // What is written is never longer than stored blocks (the shortest form wins), plus the gzip header.
  if (scratch.length < HEADER.length + storedBytes) scratch = new Uint8Array(HEADER.length + storedBytes);
  const out = scratch;
  out.set(HEADER, 0);

  litCount.fill(0);
  distCount.fill(0);
  const symbolCount = findMatches(body);
  litCount[END_OF_BLOCK] = 1;
  huffmanLengths(litCount, 286, 15, litBits);
  // A block without matches still declares one distance code.
  if (huffmanLengths(distCount, 30, 15, distBits) === 0) distBits[0] = 1;
  const header = describeLengths();
  let dynamicBits = 3 + header + extraBits;
  let fixedBits = 3 + extraBits;
  for (let s = 0; s < 286; s++) {
    dynamicBits += litCount[s]! * litBits[s]!;
    fixedBits += litCount[s]! * (FIXED_LIT[s]! >>> 16);
  }
  for (let c = 0; c < 30; c++) {
    dynamicBits += distCount[c]! * distBits[c]!;
    fixedBits += distCount[c]! * 5;
  }
  let end: number;
  if (Math.ceil(Math.min(dynamicBits, fixedBits) / 8) >= storedBytes) {
    end = writeStored(body, out, HEADER.length);
  } else if (dynamicBits < fixedBits) {
    canonicalCodes(litBits, 286, litCode);
    canonicalCodes(distBits, 30, distCode);
    end = writeBlock(out, HEADER.length, symbolCount, litCode, distCode, true);
  } else {
    end = writeBlock(out, HEADER.length, symbolCount, FIXED_LIT, FIXED_DIST, false);
  }
  // Writes past the scratch buffer are dropped silently by a typed array: a miscounted size must fail the answer
  // (compress then cuts the connection), never send a cut gzip with a matching Content-Length.
  if (end > out.length) throw new Error(`fast-gzip: ${end} bytes written into ${out.length}`);
  const result = Buffer.allocUnsafe(end + 8);
  result.set(out.subarray(0, end), 0);
  result.writeUInt32LE(crc32 ?? zlib.crc32(body), end);
  result.writeUInt32LE(n, end + 4);
  return result;
}

// ID1 ID2, CM deflate, no flags, mtime 0, XFL 4 (fastest), OS 3 (Unix).
const HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3);

// The extra bits of the lengths and distances `findMatches` found, the same in every kind of block.
let extraBits = 0;

/** The body as literals and greedy matches into `symbols`, counted in `litCount` and `distCount`; returns how many. */
function findMatches(data: Uint8Array): number {
  const n = data.length;
  if (base > 0x7fffffff - n - 1) {
    seen.fill(0);
    base = 1;
  }
  const start = base;
  base += n + 1;
  // Module-level arrays as locals: V8 keeps them in registers through the loop.
  const table = seen;
  const out = symbols;
  const literals = litCount;
  const distances = distCount;
  let extra = 0;
  let count = 0;
  let p = 0;
  const last = n - MIN_MATCH;
  // The 4 bytes from p, the first lowest: shifted along by one byte per literal, read anew after a match.
  let word = n < MIN_MATCH ? 0 : data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
  while (p <= last) {
    const slot = (Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS)) << 1;
    const candidate = table[slot]! - start;
    const candidateWord = table[slot + 1]!;
    table[slot] = p + start;
    table[slot + 1] = word;
    // An entry of this call (not below `start`) holds this body's bytes: an equal word is a match of 4.
    if (candidate >= 0 && candidateWord === word && p - candidate <= WINDOW) {
      const limit = Math.min(MAX_MATCH, n - p);
      let length = MIN_MATCH;
      while (length < limit && data[candidate + length] === data[p + length]) length++;
      const distance = p - candidate;
      const code = distanceCode(distance);
      out[count++] = MATCH | (code << 24) | ((distance - DIST_BASE[code]!) << 9) | length;
      literals[LEN_SYMBOL[length]!]!++;
      distances[code]!++;
      extra += LEN_EXTRA[length]! + DIST_EXTRA[code]!;
      p += length;
      if (p <= last) word = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
    } else {
      out[count++] = word & 0xff;
      literals[word & 0xff]!++;
      p++;
      if (p <= last) word = (word >>> 8) | (data[p + 3]! << 24);
    }
  }
  for (; p < n; p++) {
    out[count++] = data[p]!;
    literals[data[p]!]!++;
  }
  extraBits = extra;
  return count;
}

let literalCodes = 257;
let distanceCodes = 1;
let lengthCodes = 4;
let lengthSymbolCount = 0;

/**
 * The dynamic block's header: how many codes of each alphabet are sent, their lengths run-length coded (16: the
 * previous length 3-6 times, 17: 3-10 zeros, 18: 11-138 zeros) and that code's own lengths. Returns its bits.
 */
function describeLengths(): number {
  literalCodes = 286;
  while (literalCodes > 257 && litBits[literalCodes - 1] === 0) literalCodes--;
  distanceCodes = 30;
  while (distanceCodes > 1 && distBits[distanceCodes - 1] === 0) distanceCodes--;
  const total = literalCodes + distanceCodes;
  const lengthAt = (i: number): number => (i < literalCodes ? litBits[i]! : distBits[i - literalCodes]!);
  lengthCount.fill(0);
  let k = 0;
  let extraBits = 0;
  for (let i = 0; i < total;) {
    const value = lengthAt(i);
    let run = 1;
    while (i + run < total && lengthAt(i + run) === value) run++;
    i += run;
    if (value === 0) {
      for (; run >= 11; run -= Math.min(run, 138)) {
        lengthSymbols[k] = 18;
        lengthExtras[k++] = Math.min(run, 138) - 11;
        extraBits += 7;
      }
      if (run >= 3) {
        lengthSymbols[k] = 17;
        lengthExtras[k++] = run - 3;
        extraBits += 3;
        run = 0;
      }
    } else {
      lengthSymbols[k++] = value;
      run--;
      for (; run >= 3; run -= Math.min(run, 6)) {
        lengthSymbols[k] = 16;
        lengthExtras[k++] = Math.min(run, 6) - 3;
        extraBits += 2;
      }
    }
    for (; run > 0; run--) lengthSymbols[k++] = value;
  }
  lengthSymbolCount = k;
  for (let j = 0; j < k; j++) lengthCount[lengthSymbols[j]!]!++;
  huffmanLengths(lengthCount, 19, 7, lengthBits);
  lengthCodes = 19;
  while (lengthCodes > 4 && lengthBits[CODE_LENGTH_ORDER[lengthCodes - 1]!] === 0) lengthCodes--;
  let bits = 5 + 5 + 4 + 3 * lengthCodes + extraBits;
  for (let s = 0; s < 19; s++) bits += lengthCount[s]! * lengthBits[s]!;
  return bits;
}

/** Bits into bytes, lowest first. Every `put` is at most 16 bits and leaves fewer than 16 pending: no overflow. */
class BitWriter {
  bits = 0;
  pending = 0;

  constructor(readonly out: Uint8Array, public at: number) {}

  put(value: number, length: number): void {
    this.bits |= value << this.pending;
    this.pending += length;
    if (this.pending >= 16) {
      this.out[this.at++] = this.bits;
      this.out[this.at++] = this.bits >>> 8;
      this.bits >>>= 16;
      this.pending -= 16;
    }
  }

  /** Writes a code as `canonicalCodes` gives it (code | length << 16). */
  code(code: number): void {
    this.put(code & 0xffff, code >>> 16);
  }

  /** Where the output ends, the last partial byte written. */
  end(): number {
    while (this.pending > 0) {
      this.out[this.at++] = this.bits;
      this.bits >>>= 8;
      this.pending -= 8;
    }
    return this.at;
  }
}

/** One final block of `symbols` with these codes (and, for a dynamic block, its header) into `out` from `at`. */
function writeBlock(out: Uint8Array, at: number, count: number, lit: Uint32Array, dist: Uint32Array, dynamic: boolean): number {
  const writer = new BitWriter(out, at);
  writer.put(dynamic ? 0b101 : 0b011, 3); // BFINAL, then BTYPE 10 (dynamic) or 01 (fixed)
  if (dynamic) {
    writer.put(literalCodes - 257, 5);
    writer.put(distanceCodes - 1, 5);
    writer.put(lengthCodes - 4, 4);
    for (let i = 0; i < lengthCodes; i++) writer.put(lengthBits[CODE_LENGTH_ORDER[i]!]!, 3);
    canonicalCodes(lengthBits, 19, lengthCode);
    for (let j = 0; j < lengthSymbolCount; j++) {
      const symbol = lengthSymbols[j]!;
      writer.code(lengthCode[symbol]!);
      if (symbol >= 16) writer.put(lengthExtras[j]!, symbol === 16 ? 2 : symbol === 17 ? 3 : 7);
    }
  }
  writeSymbols(writer, count, lit, dist);
  writer.code(lit[END_OF_BLOCK]!);
  return writer.end();
}

/** The symbols: the hot loop, with the writer's state and the module's tables in locals. */
function writeSymbols(writer: BitWriter, count: number, lit: Uint32Array, dist: Uint32Array): void {
  const out = writer.out;
  const list = symbols;
  const lengthSymbol = LEN_SYMBOL;
  const lengthExtra = LEN_EXTRA;
  const lengthExtraValue = LEN_EXTRA_VALUE;
  const distanceExtra = DIST_EXTRA;
  let b = writer.bits;
  let c = writer.pending;
  let w = writer.at;
  for (let i = 0; i < count; i++) {
    const symbol = list[i]!;
    if (symbol < MATCH) {
      const code = lit[symbol]!;
      b |= (code & 0xffff) << c;
      c += code >>> 16;
    } else {
      const length = symbol & 511;
      const lengthCode = lit[lengthSymbol[length]!]!;
      b |= (lengthCode & 0xffff) << c;
      c += lengthCode >>> 16;
      if (c >= 16) {
        out[w++] = b;
        out[w++] = b >>> 8;
        b >>>= 16;
        c -= 16;
      }
      b |= lengthExtraValue[length]! << c;
      c += lengthExtra[length]!;
      if (c >= 16) {
        out[w++] = b;
        out[w++] = b >>> 8;
        b >>>= 16;
        c -= 16;
      }
      const code = (symbol >>> 24) & 31;
      const distCode = dist[code]!;
      b |= (distCode & 0xffff) << c;
      c += distCode >>> 16;
      if (c >= 16) {
        out[w++] = b;
        out[w++] = b >>> 8;
        b >>>= 16;
        c -= 16;
      }
      b |= ((symbol >>> 9) & 0x7fff) << c;
      c += distanceExtra[code]!;
    }
    if (c >= 16) {
      out[w++] = b;
      out[w++] = b >>> 8;
      b >>>= 16;
      c -= 16;
    }
  }
  writer.bits = b;
  writer.pending = c;
  writer.at = w;
}

/** `data` as stored blocks of up to 65,535 bytes into `out` from `at`; returns where they end. */
function writeStored(data: Uint8Array, out: Uint8Array, at: number): number {
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
