import zlib from 'node:zlib';
import { canonicalCodes, huffmanCode, reversed } from './deflate-huffman.js';

/**
 * A one-pass gzip encoder for small bodies, in the spirit of libslz (HAProxy's): each 4-byte sequence's last
 * position in a hash table, the match found there taken greedily, one block whose Huffman codes fit the body's
 * own symbol counts (or deflate's fixed codes, or stored bytes, whichever is shortest) per 65,535 bytes. For a
 * 4 kB HTML page it costs under half of zlib's level 6 (no 256 KiB of zlib state to allocate and clear, no stream
 * object per call, no lazy matching) for about a tenth more bytes (test/bench/fast-gzip.bench.ts). It runs on the
 * calling thread at a few ns per byte: callers keep it to small bodies. Any gzip decoder reads the result.
 *
 * Every array the loops touch is one of this module's own, of a fixed size: V8 reaches those at constant
 * addresses, where a caller's buffer or a reassigned array costs a check of its shape and three loads per access.
 * So the body is copied in, a segment of up to 65,535 bytes (what one stored block holds) at a time, each segment
 * one block, and the member is written here and copied out once its length is known.
 */

/** Whether this node has a native CRC-32 (node 20.15, 22.2): without it, bodies go to zlib, which has one. */
export const fastGzipAvailable = typeof zlib.crc32 === 'function';

const HASH_BITS = 13;
const WINDOW = 32768;
const MIN_MATCH = 4;
const MAX_MATCH = 258;
const STORED_MAX = 65535;
const SEGMENT = STORED_MAX;
const END_OF_BLOCK = 256;

// Positions seen, by hash of the 4 bytes there: one table for the process, reused by every segment (calls run to
// their end on one thread). An entry holds position + `base`; every segment starts with a `base` past all entries
// written before, so an older entry reads as empty: the output depends on the segment alone.
const seen = new Int32Array(1 << HASH_BITS);
let base = 1;

/** The `base` of a segment of `n` bytes: past every entry of `seen` written before (the table cleared when none is). */
function claimPositions(n: number): number {
  if (base > 0x7fffffff - n - 1) {
    seen.fill(0);
    base = 1;
  }
  const start = base | 0;
  base += n + 1;
  return start;
}

// Per match length 3..258: its symbol (257..285), extra bits and their value.
const LEN_SYMBOL = new Uint16Array(MAX_MATCH + 1);
const LEN_EXTRA = new Uint8Array(MAX_MATCH + 1);
const LEN_EXTRA_VALUE = new Uint8Array(MAX_MATCH + 1);
// Per distance code 0..29: its extra bits and the first distance it stands for.
const DIST_EXTRA = new Uint8Array(30);
const DIST_BASE = new Uint16Array(30);
// Fixed Huffman codes (RFC 1951, 3.2.6) as `huffmanCode` gives codes: bit-reversed code | length << 16.
const FIXED_LIT = new Uint32Array(286);
const FIXED_DIST = new Uint32Array(30);
// The order code-length code lengths are sent in (RFC 1951, 3.2.7), and the extra bits of each code-length symbol
// (16: repeat 3-6 times, 17: 3-10 zeros, 18: 11-138 zeros).
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const CODE_LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7);

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
  for (let symbol = 0; symbol < 286; symbol++) {
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

// ID1 ID2, CM deflate, no flags, mtime 0, XFL 4 (fastest), OS 3 (Unix).
const HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3);

// The segment being compressed, copied in, and a view of it that reads 4 bytes at once (little-endian).
const segment = new Uint8Array(SEGMENT);
const segmentWords = new DataView(segment.buffer);
// The matches found, in order: where each starts, and its length (4..258) | the distance's extra bits' value << 9
// | its distance code << 24. A match takes 4 bytes at least; one more entry holds the segment's end.
const matchAt = new Int32Array((SEGMENT >>> 2) + 1);
const matchInfo = new Int32Array(SEGMENT >>> 2);
// One segment's symbol counts and codes, reused by the next.
const litCount = new Uint32Array(286);
const distCount = new Uint32Array(30);
// The code lengths as the dynamic header sends them, one run: the literal/length codes', then the distance codes'.
const sentLengths = new Uint8Array(286 + 30);
const distLengths = new Uint8Array(30);
const litCode = new Uint32Array(286);
const distCode = new Uint32Array(30);
// The code-length alphabet ("cl", RFC 1951, 3.2.7), in which the header sends those lengths: its run-length
// symbols 0..18 as sent with their extra bits' values, their counts, and that alphabet's own lengths and codes.
const clSymbols = new Uint8Array(286 + 30);
const clExtras = new Uint8Array(286 + 30);
const clCount = new Uint32Array(19);
const clLengths = new Uint8Array(19);
const clCode = new Uint32Array(19);
// What one segment writes (after the gzip header, for the first): never more than its stored block. That is the
// byte the block before began, one more for the stored block's 3 header bits, LEN and NLEN's 4, and the bytes.
const output = new Uint8Array(HEADER.length + 1 + 1 + 4 + SEGMENT);
const outputWords = new DataView(output.buffer);

// The output's bits not yet stored as a byte (lowest first), how many, and where the next byte goes.
let bits = 0;
let pending = 0;
let at = 0;

/**
 * The gzip member of `body`, with mtime 0 and OS "Unix" as zlib writes them. `crc32`, when the caller has it
 * (compress's cache key), is the body's CRC-32: not computed again.
 */
export function fastGzip(body: Uint8Array, crc32: number | null = null): Buffer {
  const n = body.length;
  output.set(HEADER, 0);
  at = HEADER.length;
  bits = 0;
  pending = 0;
  let result: Buffer;
  if (n <= SEGMENT) {
    compressSegment(body, true);
    result = Buffer.allocUnsafe(at + 8);
    result.set(output.subarray(0, at), 0);
  } else {
    // Each segment's bytes copied out as it ends; the byte it began stays for the next.
    const pieces: Buffer[] = [];
    for (let from = 0; from < n; from += SEGMENT) {
      const to = Math.min(n, from + SEGMENT);
      compressSegment(body.subarray(from, to), to === n);
      pieces.push(Buffer.from(output.subarray(0, at)));
      at = 0;
    }
    pieces.push(Buffer.allocUnsafe(8));
    result = Buffer.concat(pieces);
  }
  const end = result.length - 8;
  result.writeUInt32LE(crc32 ?? zlib.crc32(body), end);
  result.writeUInt32LE(n >>> 0, end + 4);
  return result;
}

/**
 * One segment as one block, the shortest of dynamic codes, fixed codes or stored bytes, into `output` from `at`.
 * The last segment's block is the final one, its last bits stored; others leave fewer than 8 bits pending.
 */
function compressSegment(data: Uint8Array, final: boolean): void {
  const n = data.length;
  segment.set(data, 0);
  litCount.fill(0);
  distCount.fill(0);
  const matches = findMatches(n);
  litCount[END_OF_BLOCK] = 1;
  const dynamicBits = dynamicBlockBits();
  const fixedBits = fixedBlockBits(n, matches);
  // A stored block starts at a byte: after its 3 header bits, the rest of the byte is skipped.
  const storedBits = ((pending + 3 + 7) & ~7) - pending + 8 * (4 + n);
  const shortest = Math.min(dynamicBits, fixedBits);
  const startBits = 8 * at + pending;
  let expected: number;
  // Stored wins ties in bytes, as the output is counted in bytes.
  if (((pending + shortest + 7) >>> 3) >= ((pending + storedBits + 7) >>> 3)) {
    expected = storedBits;
    writeStored(n, final);
  } else {
    expected = shortest;
    const dynamic = dynamicBits < fixedBits;
    if (!dynamic) {
      litCode.set(FIXED_LIT);
      distCode.set(FIXED_DIST);
    }
    put(dynamic ? 0b100 | (final ? 1 : 0) : 0b010 | (final ? 1 : 0), 3); // BFINAL, then BTYPE 10 or 01
    if (dynamic) writeDynamicHeader();
    writeSymbols(matches);
    const code = litCode[END_OF_BLOCK]!;
    put(code & 0xffff, code >>> 16);
  }
  while (pending >= 8) {
    output[at++] = bits;
    bits >>>= 8;
    pending -= 8;
  }
  // A miscount must fail the answer (compress then cuts the connection), never send a cut gzip with a matching
  // Content-Length: `output[at++]` past the end is dropped silently (a typed array), so the bits are counted here;
  // the hot loops' DataView writes past it throw a RangeError, which fails the answer the same way.
  const written = 8 * at + pending - startBits;
  if (written !== expected) throw new Error(`fast-gzip: a block of ${written} bits written, ${expected} counted`);
  if (final && pending > 0) {
    output[at++] = bits;
    pending = 0;
  }
}

// Handed from findMatches to the block sizes: the extra bits of the lengths and distances it found (the same in
// every kind of block), and the bytes its matches cover.
let extraBits = 0;
let matchedBytes = 0;

/**
 * The segment's first `n` bytes as literals and greedy matches: counted in `litCount` and `distCount`, the matches
 * listed in `matchAt` and `matchInfo`. Returns how many matches.
 */
function findMatches(n: number): number {
  const start = claimPositions(n);
  const data = segment;
  const words = segmentWords;
  const table = seen;
  const literals = litCount;
  const distances = distCount;
  // Sums truncated with `| 0` stay int32 for V8, as in writeSymbols.
  let extra = 0;
  let covered = 0;
  let matches = 0;
  let p = 0;
  const last = (n - MIN_MATCH) | 0;
  // The 4 bytes from p, the first lowest: shifted along by one byte per literal, read anew after a match.
  let word = n < MIN_MATCH ? 0 : words.getInt32(0, true);
  while (p <= last) {
    const slot = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
    const candidate = (table[slot]! - start) | 0;
    table[slot] = (p + start) | 0;
    // An entry of this segment (not below `start`) whose 4 bytes equal these is a match of 4.
    if (candidate >= 0 && p - candidate <= WINDOW && words.getInt32(candidate, true) === word) {
      const length = matchLength(candidate, p, Math.min(MAX_MATCH, n - p));
      const distance = (p - candidate) | 0;
      const code = distanceCode(distance);
      matchAt[matches] = p;
      matchInfo[matches] = length | ((distance - DIST_BASE[code]!) << 9) | (code << 24);
      matches = (matches + 1) | 0;
      literals[LEN_SYMBOL[length]!]!++;
      distances[code]!++;
      extra = (extra + LEN_EXTRA[length]! + DIST_EXTRA[code]!) | 0;
      covered = (covered + length) | 0;
      p = (p + length) | 0;
      if (p <= last) word = words.getInt32(p, true);
    } else {
      literals[word & 0xff]!++;
      p = (p + 1) | 0;
      if (p <= last) word = (word >>> 8) | (data[p + 3]! << 24);
    }
  }
  for (; p < n; p++) literals[data[p]!]!++;
  matchAt[matches] = n;
  extraBits = extra;
  matchedBytes = covered;
  return matches;
}

/**
 * How far the bytes from `candidate` equal those from `p` (4 known equal), up to `limit`: 4 bytes per step, the
 * lowest differing byte found from the XOR's lowest set bit.
 */
function matchLength(candidate: number, p: number, limit: number): number {
  const words = segmentWords;
  let length = MIN_MATCH;
  while (length + 4 <= limit) {
    const difference = words.getInt32(candidate + length, true) ^ words.getInt32(p + length, true);
    if (difference !== 0) return length + ((31 - Math.clz32(difference & -difference)) >>> 3);
    length += 4;
  }
  while (length < limit && segment[candidate + length] === segment[p + length]) length++;
  return length;
}

/** The bits of a dynamic block of the symbols counted, header included; leaves its codes in place. */
function dynamicBlockBits(): number {
  const literalBits = huffmanCode(litCount, 286, 15, sentLengths, litCode);
  const distanceBits = huffmanCode(distCount, 30, 15, distLengths, distCode);
  // A block without matches still declares one distance code.
  if (distanceBits === 0) distLengths[0] = 1;
  return 3 + describeLengths() + extraBits + literalBits + distanceBits;
}

/**
 * The bits of a fixed-code block of `n` bytes with these matches: at 8 bits each, the literals (the bytes no match
 * covers), one length symbol per match and the end of block; then a literal from 144 on takes 9, a length symbol
 * below 280 (the end of block among them) 7; a distance 5. A dynamic block no shorter than this loses to it.
 */
function fixedBlockBits(n: number, matches: number): number {
  let total = 3 + extraBits + 8 * (n - matchedBytes + matches + 1) + 5 * matches;
  for (let s = 144; s < 256; s++) total += litCount[s]!;
  for (let s = 256; s < 280; s++) total -= litCount[s]!;
  return total;
}

// Handed from describeLengths to writeDynamicHeader: how many literal/length, distance and code-length codes the
// header declares (HLIT + 257, HDIST + 1, HCLEN + 4), and how many code-length symbols it sends.
let literalCodes = 257;
let distanceCodes = 1;
let clCodesSent = 4;
let clSymbolCount = 0;

/**
 * The dynamic block's header: how many codes of each alphabet are sent, their lengths run-length coded (16: the
 * previous length 3-6 times, 17: 3-10 zeros, 18: 11-138 zeros) and that code's own lengths. Returns its bits.
 */
function describeLengths(): number {
  const lengths = sentLengths;
  literalCodes = 286;
  while (literalCodes > 257 && lengths[literalCodes - 1] === 0) literalCodes--;
  distanceCodes = 30;
  while (distanceCodes > 1 && distLengths[distanceCodes - 1] === 0) distanceCodes--;
  // The distance codes' lengths right after the literal codes': runs cross from one alphabet to the other.
  for (let c = 0; c < distanceCodes; c++) lengths[literalCodes + c] = distLengths[c]!;
  const total = literalCodes + distanceCodes;
  const counts = clCount;
  counts.fill(0);
  let k = 0;
  let extra = 0;
  for (let i = 0; i < total;) {
    const value = lengths[i]!;
    let run = 1;
    while (i + run < total && lengths[i + run] === value) run++;
    i += run;
    if (value === 0) {
      for (; run >= 11; run -= Math.min(run, 138)) {
        clSymbols[k] = 18;
        clExtras[k++] = Math.min(run, 138) - 11;
        counts[18]!++;
        extra += 7;
      }
      if (run >= 3) {
        clSymbols[k] = 17;
        clExtras[k++] = run - 3;
        counts[17]!++;
        extra += 3;
        run = 0;
      }
    } else {
      clSymbols[k] = value;
      clExtras[k++] = 0;
      counts[value]!++;
      run--;
      for (; run >= 3; run -= Math.min(run, 6)) {
        clSymbols[k] = 16;
        clExtras[k++] = Math.min(run, 6) - 3;
        counts[16]!++;
        extra += 2;
      }
    }
    counts[value]! += run;
    for (; run > 0; run--) {
      clSymbols[k] = value;
      clExtras[k++] = 0;
    }
  }
  clSymbolCount = k;
  const symbolBits = huffmanCode(counts, 19, 7, clLengths, clCode);
  clCodesSent = 19;
  while (clCodesSent > 4 && clLengths[CODE_LENGTH_ORDER[clCodesSent - 1]!] === 0) clCodesSent--;
  return 5 + 5 + 4 + 3 * clCodesSent + extra + symbolBits;
}

/** `length` (up to 16) bits of `value` after those pending; every two complete bytes stored. */
function put(value: number, length: number): void {
  bits |= value << pending;
  pending += length;
  if (pending >= 16) {
    output[at++] = bits;
    output[at++] = bits >>> 8;
    bits >>>= 16;
    pending -= 16;
  }
}

/** The dynamic block's header as `describeLengths` found it; the writer's state in locals, as in writeSymbols. */
function writeDynamicHeader(): void {
  const out = outputWords;
  let b = bits | ((literalCodes - 257) << pending) | ((distanceCodes - 1) << (pending + 5)) | ((clCodesSent - 4) << (pending + 10));
  let c = (pending + 14) | 0;
  let w = at | 0;
  for (let i = 0; i < clCodesSent; i++) {
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
    b |= clLengths[CODE_LENGTH_ORDER[i]!]! << c;
    c = (c + 3) | 0;
  }
  // Each symbol with its extra bits at once: 7 + 7 bits at most.
  for (let j = 0; j < clSymbolCount; j++) {
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
    const symbol = clSymbols[j]!;
    const code = clCode[symbol]!;
    const codeBits = code >>> 16;
    b |= ((code & 0xffff) | (clExtras[j]! << codeBits)) << c;
    c = (c + codeBits + CODE_LENGTH_EXTRA[symbol]!) | 0;
  }
  if (c >= 16) {
    out.setUint16(w, b, true);
    w = (w + 2) | 0;
    b >>>= 16;
    c = (c - 16) | 0;
  }
  bits = b;
  pending = c;
  at = w;
}

/**
 * The segment's literals and matches with `litCode` and `distCode` (from match `first`, whose literals start at
 * `from`, up to the end or `matchAt[matches]`): the hot loop, the writer's state in locals,
 * so the two-byte flush after each piece is written out each time (a function could not update them).
 * Fewer than 16 bits stay pending after each piece, and no piece is longer than 15: the bits fit an int32. The
 * sums are truncated with `| 0`, which tells V8 they stay int32: no overflow checks, no tagged numbers.
 */
function writeSymbols(matches: number, first = 0, from = 0): void {
  const data = segment;
  const out = outputWords;
  const lit = litCode;
  const dist = distCode;
  let b = bits | 0;
  let c = pending | 0;
  let w = at | 0;
  let p = from | 0;
  for (let k = first | 0; ; k = (k + 1) | 0) {
    // The literals up to the next match (or the segment's end, after the last).
    const next = matchAt[k]!;
    for (; p < next; p = (p + 1) | 0) {
      const code = lit[data[p]!]!;
      b |= (code & 0xffff) << c;
      c = (c + (code >>> 16)) | 0;
      if (c >= 16) {
        out.setUint16(w, b, true);
        w = (w + 2) | 0;
        b >>>= 16;
        c = (c - 16) | 0;
      }
    }
    if (k === matches) break;
    const match = matchInfo[k]!;
    const length = match & 511;
    p = (p + length) | 0;
    const lengthEntry = lit[LEN_SYMBOL[length]!]!;
    b |= (lengthEntry & 0xffff) << c;
    c = (c + (lengthEntry >>> 16)) | 0;
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
    b |= LEN_EXTRA_VALUE[length]! << c;
    c = (c + LEN_EXTRA[length]!) | 0;
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
    const code = match >>> 24;
    const distanceEntry = dist[code]!;
    b |= (distanceEntry & 0xffff) << c;
    c = (c + (distanceEntry >>> 16)) | 0;
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
    b |= ((match >>> 9) & 0x7fff) << c;
    c = (c + DIST_EXTRA[code]!) | 0;
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
  }
  bits = b;
  pending = c;
  at = w;
}

/** The segment's first `n` bytes as a stored block: its 3 header bits, the rest of that byte skipped. */
function writeStored(n: number, final: boolean): void {
  put(final ? 1 : 0, 3);
  while (pending > 0) {
    output[at++] = bits;
    bits >>>= 8;
    pending = Math.max(0, pending - 8);
  }
  bits = 0;
  output[at++] = n & 0xff;
  output[at++] = n >>> 8;
  output[at++] = ~n & 0xff;
  output[at++] = (~n >>> 8) & 0xff;
  output.set(segment.subarray(0, n), at);
  at += n;
}

/**
 * A dynamic block's codes fixed ahead for a kind of page (gzip-presets.ts): a page of that kind is compressed in one
 * pass, each literal and match written as it is found, with no counting pass, no Huffman tree and no header to work
 * out (about half fastGzip's CPU for a 4 kB page: fast-gzip.bench.ts). The gzip header and the block's own header
 * (its code lengths) are the same bytes for every page.
 */
export interface GzipPreset {
  /** The gzip header and the block's header, as whole bytes. */
  readonly head: Uint8Array;
  /** The block header's bits past those bytes (fewer than 8, lowest first), and how many. */
  readonly headBits: number;
  readonly headPending: number;
  /** Each literal/length symbol's code and each distance code's (bit-reversed code | length << 16): all have one. */
  readonly literalCodes: Uint32Array;
  readonly distanceCodes: Uint32Array;
  /**
   * The most bits a page's literals may take on average with these codes: a page over it is unlike the pages the
   * preset was made from (another language's bytes, binary data, another kind of text), and its own codes, which
   * would take fewer, are used instead. Read during the pass from two sums, where counting each symbol to weigh the
   * page's own codes cost a fifth of the pass.
   */
  readonly literalBitsMax: number;
}

/**
 * The preset of these code lengths (1..15 for each of the 286 literal/length symbols and 30 distance codes, a
 * complete code each, as a Huffman code's are): throws for lengths that are not.
 */
export function gzipPreset(literalLengths: Uint8Array, distanceLengths: Uint8Array, literalBitsMax: number): GzipPreset {
  const complete = (lengths: Uint8Array, size: number): boolean => {
    let room = 0;
    for (let s = 0; s < size; s++) {
      const length = lengths[s]!;
      if (length < 1 || length > 15) return false;
      room += 1 << (15 - length);
    }
    return lengths.length === size && room === 1 << 15;
  };
  if (!complete(literalLengths, 286) || !complete(distanceLengths, 30)) throw new Error('gzip preset: not a complete code for every symbol');
  const literalCodes = new Uint32Array(286);
  const distanceCodes = new Uint32Array(30);
  canonicalCodes(literalLengths, 286, literalCodes);
  canonicalCodes(distanceLengths, 30, distanceCodes);
  sentLengths.set(literalLengths);
  distLengths.set(distanceLengths);
  describeLengths();
  output.set(HEADER, 0);
  at = HEADER.length;
  bits = 0;
  pending = 0;
  put(0b101, 3); // BFINAL, BTYPE 10 (dynamic codes)
  writeDynamicHeader();
  while (pending >= 8) {
    output[at++] = bits;
    bits >>>= 8;
    pending -= 8;
  }
  return { head: output.slice(0, at), headBits: bits & 0xff, headPending: pending, literalCodes, distanceCodes, literalBitsMax };
}

/**
 * The largest body presetGzip takes: its output, at most 15 bits a byte (a literal's longest code) and the head,
 * fits `output`. Callers compress larger bodies on the thread pool anyway.
 */
export const PRESET_MAX_BYTES = 16 * 1024;

// The preset in use, its codes copied into the module's own arrays (see the module's comment).
let loaded: GzipPreset | null = null;
// Pages over this are judged a quarter of the way through as well as at their end (see presetGzip).
const PRESET_CHECK_BYTES = 2 * 1024;
// Handed between writePresetRun and presetGzip: how many literals the page took so far, and their bits.
let literalCount = 0;
let literalBits = 0;
const presetLiterals = new Uint32Array(286);
const presetDistances = new Uint32Array(30);

/**
 * The gzip member of `body` (up to PRESET_MAX_BYTES) with `preset`'s codes, or null when they fit it badly (see
 * literalBitsMax): fastGzip's then. `crc32` as for fastGzip. Matches are found as fastGzip finds them.
 */
export function presetGzip(body: Uint8Array, preset: GzipPreset, crc32: number | null = null): Buffer | null {
  const n = body.length;
  if (n > PRESET_MAX_BYTES) return null;
  if (loaded !== preset) {
    presetLiterals.set(preset.literalCodes);
    presetDistances.set(preset.distanceCodes);
    loaded = preset;
  }
  segment.set(body, 0);
  output.set(preset.head, 0);
  at = preset.head.length;
  bits = preset.headBits;
  pending = preset.headPending;
  // A page over PRESET_CHECK_BYTES is judged once a quarter of it is written too: a page unlike the preset's (random
  // bytes, base64, a JSON time series of numbers) is mostly literals, and refused only at its end it costs the one-pass
  // encoder's time and most of it again (4-8 KiB JSON answers the JSON preset refuses: 1.5-2.4x the one-pass encoder
  // alone, and compress-ab.sh's ratio 0.53-0.67 against 0.77-0.78 with no preset; judged at a quarter, 1.2-1.3x and
  // 0.73-0.77). Two runs of one loop, where a check inside it slowed every page; the second run costs a page the preset
  // takes a few percent of the encoder at most (none seen in compress-ab.sh), so pages down to 2 KiB take two.
  const start = claimPositions(n);
  const checkAt = n > PRESET_CHECK_BYTES ? n >>> 2 : n;
  literalCount = 0;
  literalBits = 0;
  writePresetRun(start, 0, checkAt);
  if (checkAt < n) {
    if (literalBits > preset.literalBitsMax * literalCount) return null;
    writePresetRun(start, checkAt, n);
  }
  if (literalBits > preset.literalBitsMax * literalCount) return null;
  const endOfBlock = presetLiterals[END_OF_BLOCK]!;
  put(endOfBlock & 0xffff, endOfBlock >>> 16);
  while (pending > 0) {
    output[at++] = bits;
    bits >>>= 8;
    pending = Math.max(0, pending - 8);
  }
  const result = Buffer.allocUnsafe(at + 8);
  result.set(output.subarray(0, at), 0);
  result.writeUInt32LE(crc32 ?? zlib.crc32(body), at);
  result.writeUInt32LE(n >>> 0, at + 4);
  return result;
}

/**
 * The segment's bytes [from, end) as literals and greedy matches, found as findMatches finds them (`start` its
 * claimPositions; a match may reach back before `from`, not past `end`) and written at once with the loaded preset's
 * codes; the literals' count and bits added to `literalCount` and `literalBits`. The writer's state in locals, as in
 * writeSymbols, and as there each piece (a code, or its extra bits) is followed by a flush: fewer than 16 bits
 * pending and a piece of at most 15 fit an int32. (The loop runs to `end`'s last 4-byte position, as findMatches's
 * to the segment's: a loop to any other bound ran about a tenth slower on node 24.)
 */
function writePresetRun(start: number, from: number, end: number): void {
  const data = segment;
  const words = segmentWords;
  const table = seen;
  const out = outputWords;
  const literalCode = presetLiterals;
  const distanceCodes = presetDistances;
  let b = bits | 0;
  let c = pending | 0;
  let w = at | 0;
  let count = literalCount | 0;
  let sum = literalBits | 0;
  let p = from | 0;
  const last = (end - MIN_MATCH) | 0;
  let word = p > last ? 0 : words.getInt32(p, true);
  while (p <= last) {
    const slot = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
    const candidate = (table[slot]! - start) | 0;
    table[slot] = (p + start) | 0;
    if (candidate >= 0 && p - candidate <= WINDOW && words.getInt32(candidate, true) === word) {
      const length = matchLength(candidate, p, Math.min(MAX_MATCH, end - p));
      const distance = (p - candidate) | 0;
      const code = distanceCode(distance);
      const lengthEntry = literalCode[LEN_SYMBOL[length]!]!;
      b |= (lengthEntry & 0xffff) << c;
      c = (c + (lengthEntry >>> 16)) | 0;
      if (c >= 16) {
        out.setUint16(w, b, true);
        w = (w + 2) | 0;
        b >>>= 16;
        c = (c - 16) | 0;
      }
      b |= LEN_EXTRA_VALUE[length]! << c;
      c = (c + LEN_EXTRA[length]!) | 0;
      if (c >= 16) {
        out.setUint16(w, b, true);
        w = (w + 2) | 0;
        b >>>= 16;
        c = (c - 16) | 0;
      }
      const entry = distanceCodes[code]!;
      b |= (entry & 0xffff) << c;
      c = (c + (entry >>> 16)) | 0;
      if (c >= 16) {
        out.setUint16(w, b, true);
        w = (w + 2) | 0;
        b >>>= 16;
        c = (c - 16) | 0;
      }
      b |= (distance - DIST_BASE[code]!) << c;
      c = (c + DIST_EXTRA[code]!) | 0;
      if (c >= 16) {
        out.setUint16(w, b, true);
        w = (w + 2) | 0;
        b >>>= 16;
        c = (c - 16) | 0;
      }
      p = (p + length) | 0;
      if (p <= last) word = words.getInt32(p, true);
    } else {
      const entry = literalCode[word & 0xff]!;
      b |= (entry & 0xffff) << c;
      c = (c + (entry >>> 16)) | 0;
      count = (count + 1) | 0;
      sum = (sum + (entry >>> 16)) | 0;
      if (c >= 16) {
        out.setUint16(w, b, true);
        w = (w + 2) | 0;
        b >>>= 16;
        c = (c - 16) | 0;
      }
      p = (p + 1) | 0;
      if (p <= last) word = (word >>> 8) | (data[p + 3]! << 24);
    }
  }
  // Past the last 4-byte position, the rest as literals.
  for (; p < end; p = (p + 1) | 0) {
    const entry = literalCode[data[p]!]!;
    b |= (entry & 0xffff) << c;
    c = (c + (entry >>> 16)) | 0;
    count = (count + 1) | 0;
    sum = (sum + (entry >>> 16)) | 0;
    if (c >= 16) {
      out.setUint16(w, b, true);
      w = (w + 2) | 0;
      b >>>= 16;
      c = (c - 16) | 0;
    }
  }
  bits = b;
  pending = c;
  at = w;
  literalCount = count;
  literalBits = sum;
}

/**
 * The counts of `body`'s symbols as fastGzip parses it (up to one segment): literals, lengths and the end of block in
 * the first, distance codes in the second. For making presets (test/bench/gzip-preset.ts).
 */
export function symbolCounts(body: Uint8Array): { literals: Uint32Array; distances: Uint32Array } {
  if (body.length > SEGMENT) throw new RangeError(`symbolCounts: ${body.length} bytes, more than one segment`);
  segment.set(body, 0);
  litCount.fill(0);
  distCount.fill(0);
  findMatches(body.length);
  litCount[END_OF_BLOCK] = 1;
  return { literals: litCount.slice(), distances: distCount.slice() };
}

/** A range of a page's bytes, [start, end). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Bits of a block from bit 0 of the first byte (lowest first), and how many. */
export interface BlockBits {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/**
 * The block's bits after a span, up to the next span (after the last, through its end of block), cut where a match
 * reaches back across a hole whose length may change: `runs` one more than `distances`, each distance (in the
 * template's page) sent between two runs, longer or shorter by as much as the page's hole is.
 */
export interface AfterSpan {
  readonly runs: readonly BlockBits[];
  readonly distances: readonly number[];
}

/**
 * A gzip member cut in pieces for pages that differ from one request to the next only in some holes (a CSRF token,
 * a request id, a nonce repeated in each script tag): the bits before the first span, then per span the bytes each
 * request sends as literals of its own (a hole and around it) and the bits after it, up to the next span or through
 * the block's end. `gzipFromParts` joins them per page.
 */
export interface GzipTemplateParts {
  /** The gzip header and the block's bits before the first span, as whole bytes. */
  readonly head: Uint8Array;
  /** The block's bits before the first span past those bytes (fewer than 8, lowest first), and how many. */
  readonly headBits: number;
  readonly headPending: number;
  /** In order, apart, in the template's page: each holds one or more holes. */
  readonly spans: readonly ByteRange[];
  readonly after: readonly AfterSpan[];
  /** Each byte value's literal code (bit-reversed code | length << 16), 0 for a value it has none for. */
  readonly literalCodes: Uint32Array;
  /** Each distance code's code, as literalCodes: every one has a code when the hole's length may change. */
  readonly distanceCodes: Uint32Array;
}

// What a hole may hold: printable ASCII, tab and line ends (what tokens and ids are made of). Each gets a code
// whatever the page holds, so the codes say nothing of any request's own bytes.
const HOLE_ALPHABET = [9, 10, 13, ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i)];

/**
 * The parts of `page`'s gzip member with `holes` (in order, apart), or null for a page this cannot cut (larger than
 * a segment, or holding a zero byte outside the holes). The page is parsed with its holes zeroed: no match outside
 * them then refers to them (a zero byte elsewhere would), and the codes are counted from the bytes around them and
 * HOLE_ALPHABET, so the parts hold nothing of the holes' bytes: requests learn nothing of the page this was made from
 * beyond what they receive themselves. `resizable`: the one hole's length may differ from page to page (every
 * distance code then gets a code, and the bits after it are cut where a match reaches back across it).
 */
export function gzipTemplateParts(page: Buffer, holes: readonly ByteRange[], resizable = false): GzipTemplateParts | null {
  const n = page.length;
  if (n > SEGMENT || n < MIN_MATCH || holes.length === 0 || (resizable && holes.length !== 1)) return null;
  let outside = 0;
  for (const hole of holes) {
    if (hole.start < outside || hole.end <= hole.start || hole.end > n) return null;
    if (page.subarray(outside, hole.start).includes(0)) return null;
    outside = hole.end;
  }
  if (page.subarray(outside).includes(0)) return null;
  segment.set(page, 0);
  for (const hole of holes) segment.fill(0, hole.start, hole.end);
  litCount.fill(0);
  distCount.fill(0);
  const matches = findMatches(n);
  // Per hole, the matches before `first` end by its start, those from `resume` on start at or past its end: its
  // span runs from the end of the match before `first` to the start of `resume` (or the page's end: `matchAt[matches]`
  // is `n`). A span that would reach back into the one before (no match between two holes) joins it.
  const firsts: number[] = [];
  const resumes: number[] = [];
  let k = 0;
  for (const hole of holes) {
    while (k < matches && matchAt[k]! + (matchInfo[k]! & 511) <= hole.start) k++;
    const first = k;
    while (k < matches && matchAt[k]! < hole.end) k++;
    if (resumes.length > 0 && first <= resumes[resumes.length - 1]!) resumes[resumes.length - 1] = k;
    else {
      firsts.push(first);
      resumes.push(k);
    }
  }
  const spans: ByteRange[] = firsts.map((first, i) => ({
    start: first === 0 ? 0 : matchAt[first - 1]! + (matchInfo[first - 1]! & 511),
    end: matchAt[resumes[i]!]!,
  }));
  // The spans' symbols out of the counts, their literals (each request's) in: the page's bytes outside the holes,
  // HOLE_ALPHABET for what the holes may hold.
  for (const [i, span] of spans.entries()) {
    let p = span.start;
    for (let m = firsts[i]!; ; m++) {
      const next = m < resumes[i]! ? matchAt[m]! : span.end;
      for (; p < next; p++) litCount[segment[p]!]!--;
      if (m === resumes[i]!) break;
      const info = matchInfo[m]!;
      litCount[LEN_SYMBOL[info & 511]!]!--;
      distCount[info >>> 24]!--;
      p += info & 511;
    }
    for (let q = span.start; q < span.end; q++) if (segment[q] !== 0) litCount[page[q]!]!++;
  }
  for (const value of HOLE_ALPHABET) litCount[value]!++;
  if (resizable) for (let code = 0; code < 30; code++) distCount[code]!++;
  litCount[END_OF_BLOCK] = 1;
  dynamicBlockBits();

  output.set(HEADER, 0);
  at = HEADER.length;
  bits = 0;
  pending = 0;
  put(0b101, 3); // BFINAL, BTYPE 10 (dynamic codes)
  writeDynamicHeader();
  writeSymbolsBefore(firsts[0]!, 0, 0, spans[0]!.start);
  while (pending >= 8) {
    output[at++] = bits;
    bits >>>= 8;
    pending -= 8;
  }
  const head = output.slice(0, at);
  const headBits = bits & 0xff;
  const headPending = pending;

  const after: AfterSpan[] = spans.map((span, i) => {
    at = 0;
    bits = 0;
    pending = 0;
    if (i + 1 < spans.length) {
      writeSymbolsBefore(firsts[i + 1]!, resumes[i]!, span.end, spans[i + 1]!.start);
      return { runs: [endRun()], distances: [] };
    }
    const runs: BlockBits[] = [];
    const distances: number[] = [];
    let from = resumes[i]!;
    let p = span.end;
    for (let m = from; resizable && m < matches; m++) {
      const info = matchInfo[m]!;
      const code = info >>> 24;
      const distance = DIST_BASE[code]! + ((info >>> 9) & 0x7fff);
      if (matchAt[m]! - distance >= holes[0]!.start) continue;
      // Reaches back across the hole: the run ends after its length, its distance is each page's.
      writeSymbolsBefore(m, from, p, matchAt[m]!);
      const length = info & 511;
      const lengthEntry = litCode[LEN_SYMBOL[length]!]!;
      put(lengthEntry & 0xffff, lengthEntry >>> 16);
      put(LEN_EXTRA_VALUE[length]!, LEN_EXTRA[length]!);
      runs.push(endRun());
      distances.push(distance);
      from = m + 1;
      p = matchAt[m]! + length;
    }
    writeSymbols(matches, from, p);
    const endOfBlock = litCode[END_OF_BLOCK]!;
    put(endOfBlock & 0xffff, endOfBlock >>> 16);
    runs.push(endRun());
    return { runs, distances };
  });
  return { head, headBits, headPending, spans, after, literalCodes: litCode.slice(0, 256), distanceCodes: distCode.slice(0, 30) };
}

/** The bits written since `at` was 0, flushed to whole bytes; the writer starts over. */
function endRun(): BlockBits {
  const count = 8 * at + pending;
  while (pending > 0) {
    output[at++] = bits;
    bits >>>= 8;
    pending = Math.max(0, pending - 8);
  }
  const bytes = output.slice(0, at);
  at = 0;
  bits = 0;
  return { bytes, count };
}

/**
 * The matches from `first` up to `end` (and the literals among them, from `from`), then the literals up to `upTo`:
 * the match at `end` stands in for the segment's end meanwhile.
 */
function writeSymbolsBefore(end: number, first: number, from: number, upTo: number): void {
  const followed = matchAt[end]!;
  matchAt[end] = upTo;
  writeSymbols(end, first, from);
  matchAt[end] = followed;
}

/**
 * The gzip member of `body` from `parts`: `body` is the template's page but for its holes, its one hole `resize`
 * bytes longer (or shorter) when the parts are resizable. Null when a hole holds a byte the parts have no code for,
 * or a distance grows past the window.
 */
export function gzipFromParts(parts: GzipTemplateParts, body: Buffer, resize: number, crc32: number): Buffer | null {
  const { head, headBits, headPending, spans, after, literalCodes, distanceCodes } = parts;
  // Room for the most it can take: each literal 15 bits, each distance 15 and 13 extra, the runs as they are.
  let most = headPending;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    // Only the last span can be resized (the parts of a resizable hole have one).
    most += 15 * (span.end - span.start + (i + 1 === spans.length ? resize : 0));
    const { runs, distances } = after[i]!;
    for (let j = 0; j < runs.length; j++) most += runs[j]!.count;
    most += 28 * distances.length;
  }
  const out = Buffer.allocUnsafe(head.length + ((most + 7) >>> 3) + 8);
  out.set(head, 0);
  let w = head.length;
  let b = headBits;
  let c = headPending;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const end = i + 1 === spans.length ? span.end + resize : span.end;
    for (let p = span.start; p < end; p++) {
      const code = literalCodes[body[p]!]!;
      if (code === 0) return null;
      b |= (code & 0xffff) << c;
      c += code >>> 16;
      while (c >= 8) {
        out[w++] = b;
        b >>>= 8;
        c -= 8;
      }
    }
    const { runs, distances } = after[i]!;
    for (let j = 0; j < runs.length; j++) {
      const { bytes, count } = runs[j]!;
      // The run's bits after the c pending: whole bytes shifted by c, then its last few bits.
      const whole = count >>> 3;
      if (c === 0) {
        out.set(bytes.subarray(0, whole), w);
        w += whole;
      } else {
        for (let q = 0; q < whole; q++) {
          b |= bytes[q]! << c;
          out[w++] = b;
          b >>>= 8;
        }
      }
      const rest = count & 7;
      if (rest !== 0) {
        b |= (bytes[whole]! & ((1 << rest) - 1)) << c;
        c += rest;
      }
      if (j < distances.length) {
        const distance = distances[j]! + resize;
        if (distance > WINDOW) return null;
        const code = distanceCode(distance);
        const entry = distanceCodes[code]!;
        b |= (entry & 0xffff) << c;
        c += entry >>> 16;
        while (c >= 8) {
          out[w++] = b;
          b >>>= 8;
          c -= 8;
        }
        b |= (distance - DIST_BASE[code]!) << c;
        c += DIST_EXTRA[code]!;
      }
      while (c >= 8) {
        out[w++] = b;
        b >>>= 8;
        c -= 8;
      }
    }
  }
  if (c > 0) out[w++] = b;
  out.writeUInt32LE(crc32 >>> 0, w);
  out.writeUInt32LE(body.length >>> 0, w + 4);
  return out.subarray(0, w + 8);
}
