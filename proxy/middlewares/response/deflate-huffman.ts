/**
 * Huffman codes for deflate's dynamic blocks (RFC 1951, 3.2.2): code lengths from symbol counts, limited to what
 * the format can say, and the canonical codes those lengths stand for, in one call that visits the whole alphabet
 * once and then only the symbols used. Scratch space is the module's, reused by every call (calls run to their
 * end on one thread); the counts are copied in first: V8 reaches a module's own fixed arrays at constant
 * addresses, where a parameter's costs a check of its shape and three loads per access.
 */

/** Most symbols of any deflate alphabet (literal/length: 286 used, 288 defined). */
const MAX_SYMBOLS = 288;

// Counts above this are taken as this: a count and its symbol then share one int32 (count << 9 | symbol), and
// every sum of counts the tree makes stays an int32. fast-gzip's counts (one segment of at most 65,535 bytes) never
// reach it; a caller's larger counts would get a near-optimal code.
const COUNT_CAP = 0x3fffff;

// The caller's counts, copied in.
const countsIn = new Uint32Array(MAX_SYMBOLS);
// The used symbols in symbol order, and as count << 9 | symbol sorted: the tree's leaves by weight, ties by symbol.
const usedSymbols = new Int32Array(MAX_SYMBOLS);
const leaves = new Int32Array(MAX_SYMBOLS);
// Moffat and Katajainen's tree, in place: the leaves' weights, then parent links, then internal nodes' depths.
const tree = new Int32Array(MAX_SYMBOLS);
// How many codes each length has (lengths past the limit folded into it while limiting), and each used symbol's.
const perLength = new Int32Array(16);
const lengthOf = new Uint8Array(MAX_SYMBOLS);
// The next canonical code of each length.
const nextCode = new Int32Array(16);

/**
 * A Huffman code for `counts[0..size)`: each symbol's code length into `lengths` (0 for a symbol never used), none
 * longer than `limit`, and its canonical code into `codes` as one number: the code bit-reversed (deflate sends
 * codes first bit first) | its length << 16 (0 for a symbol never used). When the optimal code is too deep, the
 * lengths past the limit are cut to it and shorter codes lengthened until the code is complete again, as miniz
 * does: a code a little longer than optimal, always a complete one (one used symbol gets one bit, the one
 * incomplete code inflate accepts). Returns the bits the counted symbols take (the sum of count × length).
 */
export function huffmanCode(counts: Uint32Array, size: number, limit: number, lengths: Uint8Array, codes: Uint32Array): number {
  countsIn.set(counts.length === size ? counts : counts.subarray(0, size));
  let used = 0;
  for (let s = 0; s < size; s++) {
    const count = countsIn[s]!;
    if (count !== 0) {
      usedSymbols[used] = s;
      leaves[used++] = ((count < COUNT_CAP ? count : COUNT_CAP) << 9) | s;
    }
  }
  lengths.fill(0, 0, size);
  codes.fill(0, 0, size);
  if (used === 0) return 0;
  if (used === 1) {
    const symbol = usedSymbols[0]!;
    lengths[symbol] = 1;
    codes[symbol] = 1 << 16;
    return countsIn[symbol]!;
  }
  leaves.subarray(0, used).sort();
  for (let i = 0; i < used; i++) tree[i] = leaves[i]! >>> 9;
  if (minimumRedundancy(used, limit) > limit) limitLengths(limit);
  // The shortest codes to the most frequent symbols (the end of `leaves`).
  let bits = 0;
  let next = used;
  for (let length = 1; length <= limit; length++) {
    for (let k = perLength[length]!; k > 0; k--) {
      const symbol = leaves[--next]! & 511;
      lengthOf[symbol] = length;
      lengths[symbol] = length;
      bits += countsIn[symbol]! * length;
    }
  }
  assignCodes(used, limit);
  for (let i = 0; i < used; i++) codes[usedSymbols[i]!] = assigned[i]!;
  return bits;
}

/**
 * The canonical codes of code `lengths[0..size)` (0 for a symbol without a code) into `codes`, as huffmanCode
 * gives them: for codes fixed ahead (gzip presets), whose lengths come from elsewhere.
 */
export function canonicalCodes(lengths: Uint8Array, size: number, codes: Uint32Array): void {
  perLength.fill(0);
  let used = 0;
  for (let s = 0; s < size; s++) {
    const length = lengths[s]!;
    if (length === 0) continue;
    usedSymbols[used++] = s;
    lengthOf[s] = length;
    perLength[length]!++;
  }
  perLength[0] = 0;
  codes.fill(0, 0, size);
  assignCodes(used, 15);
  for (let i = 0; i < used; i++) codes[usedSymbols[i]!] = assigned[i]!;
}

// Each used symbol's code, in usedSymbols' order.
const assigned = new Uint32Array(MAX_SYMBOLS);

/**
 * Canonical codes (RFC 1951, 3.2.2) for `usedSymbols[0..used)` of lengths `lengthOf`, `perLength` of each:
 * consecutive within a length in symbol order, each length's first after the shorter ones'. Into `assigned`.
 */
function assignCodes(used: number, limit: number): void {
  let code = 0;
  for (let length = 1; length <= limit; length++) {
    code = (code + perLength[length - 1]!) << 1;
    nextCode[length] = code;
  }
  for (let i = 0; i < used; i++) {
    const symbol = usedSymbols[i]!;
    const length = lengthOf[symbol]!;
    const value = nextCode[length]!;
    nextCode[length] = value + 1;
    assigned[i] = reversed(value, length) | (length << 16);
  }
}

/**
 * Moffat and Katajainen's in-place minimum-redundancy code ("In-Place Calculation of Minimum-Redundancy Codes",
 * 1995), as miniz runs it: `tree[0..n)` holds the weights in increasing order. Counts the leaves of each depth
 * into `perLength` (those deeper than `limit` at `limit`) and returns the deepest; the lightest leaves are the
 * deepest. Three linear passes over one int32 array: no heap, no node arrays.
 */
function minimumRedundancy(n: number, limit: number): number {
  const a = tree;
  // Pass 1: merge the two lightest of the next leaf and the oldest unmerged node, as Huffman's two queues do;
  // a[next] holds the new node's weight, and a merged node's slot its parent's index. The first pick needs no
  // `root < next`: the node made in the step before is never merged when the next step starts (root <= next - 1);
  // the second pick may find it taken by the first.
  a[0]! += a[1]!;
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < n - 1; next++) {
    if (leaf >= n || a[root]! < a[leaf]!) {
      a[next] = a[root]!;
      a[root++] = next;
    } else {
      a[next] = a[leaf++]!;
    }
    if (leaf >= n || (root < next && a[root]! < a[leaf]!)) {
      a[next]! += a[root]!;
      a[root++] = next;
    } else {
      a[next]! += a[leaf++]!;
    }
  }
  // Pass 2: each internal node's depth from its parent's (parents lie to the right, the root at n - 2).
  a[n - 2] = 0;
  for (let next = n - 3; next >= 0; next--) a[next] = a[a[next]!]! + 1;
  // Pass 3: the nodes available at each depth not taken by internal nodes are leaves of that depth.
  perLength.fill(0);
  let available = 1;
  let depth = 0;
  let node = n - 2;
  while (available > 0) {
    let internal = 0;
    while (node >= 0 && a[node] === depth) {
      internal++;
      node--;
    }
    perLength[depth < limit ? depth : limit]! += available - internal;
    available = 2 * internal;
    depth++;
  }
  return depth - 1;
}

/**
 * `perLength` made a complete code again after lengths past `limit` were counted at `limit` (which oversubscribes
 * it): each step drops one code of the longest length and splits a shorter code into two one bit longer, which
 * frees exactly the room the dropped code took.
 */
function limitLengths(limit: number): void {
  let total = 0;
  for (let length = limit; length > 0; length--) total += perLength[length]! << (limit - length);
  for (; total > 1 << limit; total--) {
    perLength[limit]!--;
    for (let length = limit - 1; length > 0; length--) {
      if (perLength[length] !== 0) {
        perLength[length]!--;
        perLength[length + 1]! += 2;
        break;
      }
    }
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
