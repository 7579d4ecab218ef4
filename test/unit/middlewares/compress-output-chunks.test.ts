import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { brotliWholeOptions, gzipWholeOptions, ONE_OFF_BROTLI_QUALITY, zstdWholeOptions } from '../../../proxy/middlewares/response/compressed-body.js';
import { zstd } from '../../../proxy/middlewares/response/zstd.js';

// compress's one-call compressions give node's zlib an output chunk sized to the body: with zlib's default (16 KiB
// of new memory per call, which V8 counts as external until collected) a stream of pages compressed one by one kept
// V8 running a full collection every 0.4 s (compressed-body.ts, outputChunkSize; measured with cpu-ab.sh and
// --trace-gc, not here). The bytes are the same either way.

const PAGE = readFileSync(new URL('../../../../test/bench/backends/page.html', import.meta.url));

interface Case {
  readonly name: string;
  /** The output chunk the case's options give a body of `length` bytes. */
  chunkFor(length: number): number | undefined;
  /** The chunk a 4 kB page gets: half of it, or for zstd more than zstd can write for it. */
  readonly pageChunk: number;
  compress(body: Buffer): Buffer;
  byDefault(body: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}

const cases: Case[] = [
  {
    name: 'brotli, one-off quality',
    pageChunk: 2048,
    chunkFor: (n) => brotliWholeOptions(n, ONE_OFF_BROTLI_QUALITY).chunkSize,
    compress: (b) => zlib.brotliCompressSync(b, brotliWholeOptions(b.length, ONE_OFF_BROTLI_QUALITY)),
    byDefault: (b) => zlib.brotliCompressSync(b, { params: brotliWholeOptions(b.length, ONE_OFF_BROTLI_QUALITY).params }),
    decompress: (d) => zlib.brotliDecompressSync(d),
  },
  {
    name: 'brotli, quality 6',
    pageChunk: 2048,
    chunkFor: (n) => brotliWholeOptions(n).chunkSize,
    compress: (b) => zlib.brotliCompressSync(b, brotliWholeOptions(b.length)),
    byDefault: (b) => zlib.brotliCompressSync(b, { params: brotliWholeOptions(b.length).params }),
    decompress: (d) => zlib.brotliDecompressSync(d),
  },
  {
    name: 'gzip, zlib level 6',
    pageChunk: 2048,
    chunkFor: (n) => gzipWholeOptions(n).chunkSize,
    compress: (b) => zlib.gzipSync(b, gzipWholeOptions(b.length)),
    byDefault: (b) => zlib.gzipSync(b),
    decompress: (d) => zlib.gunzipSync(d),
  },
];
if (zstd !== null) {
  const z = zstd;
  const decompress = Reflect.get(zlib, 'zstdDecompressSync');
  assert.equal(typeof decompress, 'function');
  cases.push({
    name: 'zstd',
    pageChunk: 4096 + 32 + 128,
    chunkFor: (n) => zstdWholeOptions(n).chunkSize,
    compress: (b) => z.zstdCompressSync(b, zstdWholeOptions(b.length)),
    byDefault: (b) => z.zstdCompressSync(b, { pledgedSrcSize: b.length }),
    decompress: (d) => Reflect.apply(decompress, zlib, [d]),
  });
}

for (const c of cases) {
  test(`compress output chunks, ${c.name}: a 4 kB page gets an output chunk of ${c.pageChunk} bytes (its compressed form fits), a 64 KiB body zlib's 16 KiB; the bytes are zlib's`, () => {
    // What a call leaves for the collector is its chunks: a few KiB for the page instead of 16.
    assert.equal(c.chunkFor(PAGE.length), c.pageChunk);
    assert.equal(c.chunkFor(64 * 1024), 16 * 1024);
    const out = c.compress(PAGE);
    assert.ok(out.length <= c.pageChunk, `the page compressed to ${out.length} bytes: one chunk`);
    assert.deepEqual(out, c.byDefault(PAGE));
    assert.deepEqual(c.decompress(out), PAGE);
  });

  test(`compress output chunks, ${c.name}: an output longer than a chunk (incompressible bytes) is joined whole`, () => {
    const noise = randomBytes(12_000);
    const out = c.compress(noise);
    assert.ok(out.length > 6_000, 'longer than the 6 KiB chunk of a 12 kB body');
    assert.deepEqual(out, c.byDefault(noise));
    assert.deepEqual(c.decompress(out), noise);
  });
}

test('compress output chunks, zstd: one frame whatever the body, even where output would exactly fill a chunk of half the body (node then has zstd end the frame twice: a second, empty frame)', { skip: zstd === null ? 'this node has no zstd' : false }, () => {
  const z = zstd;
  assert.ok(z !== null);
  // Random bytes do not compress: zstd's output is the body and a fixed overhead, so every size is met once.
  for (let length = 1000; length <= 2100; length++) {
    const body = randomBytes(length);
    const out = z.zstdCompressSync(body, zstdWholeOptions(length));
    assert.deepEqual(out, z.zstdCompressSync(body, { pledgedSrcSize: length }), `a ${length}-byte body: the bytes of zstd's one frame`);
  }
});
