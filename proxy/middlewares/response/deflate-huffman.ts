/**
 * Huffman codes for deflate's dynamic blocks (RFC 1951, 3.2.2): code lengths from symbol counts, limited to what
 * the format can say, and the canonical codes those lengths stand for. Scratch space is the module's, reused by
 * every call (calls run to their end on one thread).
 */

/** Most symbols of any deflate alphabet (literal/length: 286 used, 288 defined). */
const MAX_SYMBOLS = 288;

const sortKeys = new Uint32Array(MAX_SYMBOLS);
const weight = new Float64Array(2 * MAX_SYMBOLS);
const parent = new Int32Array(2 * MAX_SYMBOLS);
const depth = new Uint8Array(2 * MAX_SYMBOLS);
const symbolOf = new Uint16Array(MAX_SYMBOLS);

/**
 * Code lengths of a Huffman code for `counts[0..size)` into `lengths` (0 for a symbol never used), none longer
 * than `limit`. When the optimal code is too deep, counts are halved (keeping their order, none below 1) and the
 * tree built again: a code a little longer than optimal, always a complete one. Returns the longest length.
 */
export function huffmanLengths(counts: Uint32Array, size: number, limit: number, lengths: Uint8Array): number {
  lengths.fill(0, 0, size);
  let leaves = 0;
  for (let s = 0; s < size; s++) {
    const count = counts[s]!;
    // Count and symbol in one number, so one native sort orders the leaves (counts up to 2^23: bodies up to 8 MiB).
    if (count !== 0) sortKeys[leaves++] = Math.min(count, 0x7fffff) * 512 + s;
  }
  if (leaves === 0) return 0;
  if (leaves === 1) {
    // One symbol still needs one bit: inflate accepts this one incomplete code.
    lengths[sortKeys[0]! & 511] = 1;
    return 1;
  }
  sortKeys.subarray(0, leaves).sort();
  for (let i = 0; i < leaves; i++) {
    weight[i] = sortKeys[i]! >>> 9;
    symbolOf[i] = sortKeys[i]! & 511;
  }
  for (;;) {
    const longest = buildTree(leaves);
    if (longest <= limit) break;
    for (let i = 0; i < leaves; i++) weight[i] = Math.ceil(weight[i]! / 2);
  }
  let longest = 0;
  for (let i = 0; i < leaves; i++) {
    lengths[symbolOf[i]!] = depth[i]!;
    if (depth[i]! > longest) longest = depth[i]!;
  }
  return longest;
}

/**
 * Huffman's tree over leaves 0..leaves-1 (sorted by weight) with two queues, leaves and merged nodes, both in
 * weight order: no heap. Depths go into `depth`; returns the deepest leaf's.
 */
function buildTree(leaves: number): number {
  let nextLeaf = 0;
  let nextNode = leaves;
  const root = 2 * leaves - 2;
  for (let made = leaves; made <= root; made++) {
    let pair = 0;
    for (let take = 0; take < 2; take++) {
      const pick = nextLeaf < leaves && (nextNode >= made || weight[nextLeaf]! <= weight[nextNode]!) ? nextLeaf++ : nextNode++;
      parent[pick] = made;
      pair += weight[pick]!;
    }
    weight[made] = pair;
  }
  depth[root] = 0;
  let deepest = 0;
  for (let node = root - 1; node >= 0; node--) {
    const d = depth[parent[node]!]! + 1;
    depth[node] = d;
    if (d > deepest) deepest = d;
  }
  return deepest;
}

const nextCode = new Uint16Array(16);
const lengthCount = new Uint16Array(16);

/**
 * The canonical code of each symbol for `lengths` (RFC 1951, 3.2.2) as one number: the code bit-reversed (deflate
 * sends codes first bit first) | its length << 16.
 */
export function canonicalCodes(lengths: Uint8Array, size: number, codes: Uint32Array): void {
  lengthCount.fill(0);
  for (let s = 0; s < size; s++) lengthCount[lengths[s]!]!++;
  lengthCount[0] = 0;
  let code = 0;
  for (let bits = 1; bits < 16; bits++) {
    code = (code + lengthCount[bits - 1]!) << 1;
    nextCode[bits] = code;
  }
  for (let s = 0; s < size; s++) {
    const bits = lengths[s]!;
    codes[s] = bits === 0 ? 0 : reversed(nextCode[bits]!++, bits) | (bits << 16);
  }
}

const REVERSED_BYTE = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let out = 0;
  for (let bit = 0; bit < 8; bit++) out |= ((i >>> bit) & 1) << (7 - bit);
  REVERSED_BYTE[i] = out;
}

/** `code`'s lowest `bits` bits (up to 16) in the opposite order. */
export function reversed(code: number, bits: number): number {
  return ((REVERSED_BYTE[code & 0xff]! << 8) | REVERSED_BYTE[(code >>> 8) & 0xff]!) >>> (16 - bits);
}
