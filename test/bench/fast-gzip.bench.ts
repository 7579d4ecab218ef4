/**
 * What one gzip call costs `compress` for a page it has not seen before: pe-edge's one-pass encoder (`fastGzip`,
 * the form a one-off page gets) against zlib's gzipSync at level 6 (the form a page the cache keeps gets, and
 * what every page got before) and level 1. Bodies: the production bench's 4 kB page (backends/page.html), a
 * 16 kB one (that page four times, each copy with 16 tokens of its own, as lists of entries differ) and a JSON API
 * answer of 4.7 kB (backends/page.json); the preset row compresses each with its type's preset (gzip-presets.ts). Every call
 * gets a body of its own (a counter in it). CPU time of this thread per call (process.cpuUsage over a batch),
 * each row the median of its rounds; rounds alternate the order of the encoders. Ratios against level 6.
 * A script, not a test: prints a table, asserts nothing.
 *   node dist/test/bench/fast-gzip.bench.js [rounds]
 * FAST_GZIP_REFERENCE=<path of another build's dist/proxy/middlewares/response/fast-gzip.js> adds that encoder
 * as one more row, run in the same rounds, and prints fastGzip's CPU over its own (median of the rounds' ratios):
 * how a change to the encoder is measured side by side. The other encodings compress answers with, as it calls them
 * for a page (brotli at quality 6 for a page it keeps and at its one-off quality for one it does not, zstd at its
 * default level where node has it), are rows too.
 */
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { fastGzip } from '../../proxy/middlewares/response/fast-gzip.js';
import { zstd } from '../../proxy/middlewares/response/zstd.js';
import { brotliWholeOptions, ONE_OFF_BROTLI_QUALITY, oneOffGzip, zstdWholeOptions } from '../../proxy/middlewares/response/compressed-body.js';
import { gzipPresetFor } from '../../proxy/middlewares/response/gzip-presets.js';

/** The body being measured's preset: the preset row's encoder takes it from here. */
let preset = gzipPresetFor('text/html');

const ROUNDS = Math.max(1, Number(process.argv[2] ?? 9));
const CALLS = 2000;

const PAGE = readFileSync(new URL('../../../test/bench/backends/page.html', import.meta.url));
const API_ANSWER = readFileSync(new URL('../../../test/bench/backends/page.json', import.meta.url));

function page16k(): Buffer {
  let seed = 7;
  const token = (): string => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed.toString(36).padStart(7, '0').slice(0, 7);
  };
  return Buffer.concat([0, 1, 2, 3].map(() => {
    const copy = Buffer.from(PAGE);
    for (let k = 0; k < 16; k++) copy.write(token(), 200 + k * 240, 'latin1');
    return copy;
  }));
}

const ENCODERS: Record<string, (body: Buffer) => Buffer> = {
  'one-pass (fastGzip)': (body) => fastGzip(body),
  "one-pass, its type's preset (oneOffGzip)": (body) => oneOffGzip(body, preset),
  'zlib level 6': (body) => zlib.gzipSync(body),
  'zlib level 1': (body) => zlib.gzipSync(body, { level: 1 }),
  'brotli quality 6 (br, kept)': (body) => zlib.brotliCompressSync(body, brotliWholeOptions(body.length)),
  [`brotli quality ${ONE_OFF_BROTLI_QUALITY} (br, one-off)`]: (body) => zlib.brotliCompressSync(body, brotliWholeOptions(body.length, ONE_OFF_BROTLI_QUALITY)),
};
if (zstd !== null) {
  const z = zstd;
  ENCODERS['zstd level 3 (zstd)'] = (body) => z.zstdCompressSync(body, zstdWholeOptions(body.length));
}
const REFERENCE = process.env['FAST_GZIP_REFERENCE'];
if (REFERENCE) {
  const reference = (await import(REFERENCE)) as { fastGzip: (body: Buffer) => Buffer };
  ENCODERS['one-pass (reference)'] = (body) => reference.fastGzip(body);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `calls` bodies like `body`, each with its own counter near its start: no two calls see the same bytes. */
function variants(body: Buffer, calls: number): Buffer[] {
  return Array.from({ length: calls }, (_, i) => {
    const copy = Buffer.from(body);
    copy.write(String(i).padStart(8, '0'), 120, 'latin1');
    return copy;
  });
}

/** CPU µs per call of `encode` over `bodies`. */
function cpuPerCall(encode: (body: Buffer) => Buffer, bodies: Buffer[]): number {
  const start = process.cpuUsage();
  for (const body of bodies) encode(body);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / bodies.length;
}

const rows: string[] = [];
const againstReference: string[] = [];
for (const [name, body, type] of [['4 kB page', PAGE, 'text/html'], ['16 kB page', page16k(), 'text/html'], ['JSON API answer', API_ANSWER, 'application/json']] as const) {
  preset = gzipPresetFor(type);
  const bodies = variants(body, CALLS);
  const names = Object.keys(ENCODERS);
  for (const encoder of names) cpuPerCall(ENCODERS[encoder] as (b: Buffer) => Buffer, bodies.slice(0, CALLS / 4)); // warm-up
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const encoder of order) times.get(encoder)?.push(cpuPerCall(ENCODERS[encoder] as (b: Buffer) => Buffer, bodies));
  }
  if (REFERENCE) {
    const own = times.get('one-pass (fastGzip)') ?? [];
    const reference = times.get('one-pass (reference)') ?? [];
    const ratios = own.map((us, round) => us / (reference[round] as number));
    againstReference.push(`${name}: fastGzip / reference ${median(ratios).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)})`);
  }
  const level6 = median(times.get('zlib level 6') ?? []);
  const level6Bytes = zlib.gzipSync(body).length;
  for (const encoder of names) {
    const us = median(times.get(encoder) ?? []);
    const bytes = (ENCODERS[encoder] as (b: Buffer) => Buffer)(body).length;
    rows.push(`| ${name} (${body.length} B) | ${encoder} | ${us.toFixed(1)} | ${(us / level6).toFixed(2)} | ${bytes} | ${(bytes / level6Bytes).toFixed(3)} |`);
  }
}
console.log(`fastGzip against zlib's gzipSync (and brotli${zstd !== null ? ', zstd' : ''}), CPU per call, median of ${ROUNDS} rounds of ${CALLS} calls (node ${process.version})\n`);
console.log('| body | encoder | CPU µs/call | × level 6 | bytes | × level 6 |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
if (REFERENCE) console.log(`\n${againstReference.join('\n')}`);
