/**
 * Makes a gzip preset (fast-gzip.ts's GzipPreset, the tables in gzip-presets.ts) from pages of its kind: the code
 * lengths of a Huffman code for the symbols those pages give fastGzip's parse, each page weighing alike (its counts
 * over its symbols), every symbol counted once more so each has a code. Prints the lengths as gzip-presets.ts holds
 * them (one hex digit each: the 286 literal/length symbols', then the 30 distance codes'), the bits its codes give
 * a literal on average in those pages (whose spread gzip-presets.ts's literalBitsMax is chosen from), and what the
 * preset would cost each page given as `--check` against fastGzip's own codes, with `--max` as literalBitsMax
 * (default 6.5). A script, not a test.
 *   node dist/test/bench/gzip-preset.js [--ext E] [--per-folder N] [--max B] <file or folder>... [--check <file or folder>...]
 * A folder is read for files named *.E (default html; --ext html also takes *.htm) at any depth, in name order; with
 * --per-folder N, N of them evenly spread (default 2000). Pages of 1 KiB to 64 KiB holding no zero byte are used.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { huffmanCode } from '../../proxy/middlewares/response/deflate-huffman.js';
import { fastGzip, gzipPreset, presetGzip, symbolCounts } from '../../proxy/middlewares/response/fast-gzip.js';

const args = process.argv.slice(2);
const extAt = args.indexOf('--ext');
const ext = extAt >= 0 ? args.splice(extAt, 2)[1]! : 'html';
const named = ext === 'html' ? /\.html?$/ : new RegExp(`\\.${ext.replace(/[^a-z0-9]/gi, '')}$`);
const perFolderAt = args.indexOf('--per-folder');
const perFolder = perFolderAt >= 0 ? Number(args.splice(perFolderAt, 2)[1]) : 2000;
const maxAt = args.indexOf('--max');
const literalBitsMax = maxAt >= 0 ? Number(args.splice(maxAt, 2)[1]) : 6.5;
const checkAt = args.indexOf('--check');
const checked = checkAt >= 0 ? args.splice(checkAt).slice(1) : [];

function pagesOf(names: string[]): string[] {
  return names.flatMap((name) => {
    if (!statSync(name).isDirectory()) return [name];
    const found = (readdirSync(name, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && named.test(entry.name))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
    if (found.length <= perFolder) return found;
    return Array.from({ length: perFolder }, (_, i) => found[Math.floor((i * found.length) / perFolder)]!);
  });
}

function usable(file: string): Buffer | null {
  const body = readFileSync(file);
  return body.length >= 1024 && body.length <= 65535 && !body.includes(0) ? body : null;
}

const literalShare = new Float64Array(286);
const distanceShare = new Float64Array(30);
const pageLiterals: Uint32Array[] = [];
let pages = 0;
for (const file of pagesOf(args)) {
  const body = usable(file);
  if (body === null) continue;
  const { literals, distances } = symbolCounts(body);
  pageLiterals.push(literals);
  const symbols = literals.reduce((a, b) => a + b, 0);
  for (let s = 0; s < 286; s++) literalShare[s]! += literals[s]! / symbols;
  for (let s = 0; s < 30; s++) distanceShare[s]! += distances[s]! / symbols;
  pages++;
}
if (pages === 0) throw new Error('no usable page (1 KiB to 64 KiB, no zero byte) among the arguments');

// Shares as counts of a large page (a million symbols), so a symbol counted once more weighs nearly nothing.
const SCALE = 1_000_000;
const lengthsOf = (share: Float64Array): Uint8Array => {
  const counts = Uint32Array.from(share, (s) => Math.round((s / pages) * SCALE) + 1);
  const lengths = new Uint8Array(share.length);
  huffmanCode(counts, share.length, 15, lengths, new Uint32Array(share.length));
  return lengths;
};
const literalLengths = lengthsOf(literalShare);
const distanceLengths = lengthsOf(distanceShare);
const text = [...literalLengths, ...distanceLengths].map((length) => length.toString(16)).join('');
console.log(`${pages} pages`);
console.log(text);
// Bits per literal with these codes, page by page.
const rates = pageLiterals.map((literals) => {
  let count = 0;
  let bits = 0;
  for (let s = 0; s < 256; s++) {
    count += literals[s]!;
    bits += literals[s]! * literalLengths[s]!;
  }
  return bits / Math.max(1, count);
}).sort((a, b) => a - b);
const at = (q: number): string => rates[Math.min(rates.length - 1, Math.floor(q * rates.length))]!.toFixed(2);
console.log(`bits per literal in those pages: median ${at(0.5)}, 90 % ${at(0.9)}, 99 % ${at(0.99)}, most ${at(1)}`);

if (checked.length > 0) {
  const preset = gzipPreset(literalLengths, distanceLengths, literalBitsMax);
  let own = 0;
  let withPreset = 0;
  let refused = 0;
  let count = 0;
  for (const file of pagesOf(checked)) {
    const body = usable(file);
    if (body === null || body.length > 16 * 1024) continue;
    const fast = fastGzip(body).length;
    const made = presetGzip(body, preset);
    count++;
    own += fast;
    withPreset += made?.length ?? fast;
    if (made === null) refused++;
    if (checked.length === 1) console.log(`${file}: ${made?.length ?? 'refused'} bytes with the preset, ${fast} with its own codes`);
  }
  console.log(`${count} pages up to 16 KiB checked: ${(withPreset / own).toFixed(3)} of fastGzip's bytes, ${refused} refused (fastGzip's codes then)`);
}
