import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { fastGzip } from '../../../proxy/middlewares/response/fast-gzip.js';
import { huffmanCode } from '../../../proxy/middlewares/response/deflate-huffman.js';
import { seededRandom as random } from '../../support/seeded-random.js';

const PAGE = readFileSync(new URL('../../../../test/bench/backends/page.html', import.meta.url));

function randomBytes(size: number, seed: number): Buffer {
  const next = random(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/**
 * A body of `size` bytes made of pieces a page has: copies of earlier bytes from near and far (up to past the
 * 32 KiB window), runs of one byte, text, and random bytes.
 */
function mixedBody(size: number, seed: number): Buffer {
  const next = random(seed);
  const out = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    const length = Math.min(size - at, 1 + Math.floor(next() * (next() < 0.2 ? 600 : 40)));
    const kind = next();
    if (kind < 0.4 && at > 0) {
      const distance = 1 + Math.floor(next() * Math.min(at, next() < 0.1 ? 40_000 : 300));
      for (let i = 0; i < length; i++, at++) out[at] = out[at - distance] as number;
    } else if (kind < 0.55) {
      out.fill(Math.floor(next() * 256), at, at + length);
      at += length;
    } else if (kind < 0.85) {
      const from = Math.floor(next() * (PAGE.length - length));
      at += PAGE.copy(out, at, from, from + length);
    } else {
      for (let i = 0; i < length; i++, at++) out[at] = Math.floor(next() * 256);
    }
  }
  return out;
}

function assertRoundTrip(body: Buffer, what: string): Buffer {
  const gzipped = fastGzip(body);
  assert.deepEqual(zlib.gunzipSync(gzipped), body, `${what}: gunzip gives the body back`);
  return gzipped;
}

/** What stored blocks cost: the gzip header and trailer, 5 bytes per block of up to 65,535. */
function storedSize(length: number): number {
  return 18 + 5 * Math.max(1, Math.ceil(length / 65535));
}

test('fast gzip: edge bodies come back exactly (empty, one byte, runs, the window and block limits)', () => {
  assertRoundTrip(Buffer.alloc(0), 'empty');
  assertRoundTrip(Buffer.from('x'), 'one byte');
  for (const size of [2, 3, 4, 5, 257, 258, 259, 260, 516, 4096, 32767, 32768, 32769, 32772, 65535, 65536]) {
    assertRoundTrip(Buffer.alloc(size, 0x61), `a run of ${size}`);
    assertRoundTrip(randomBytes(size, size), `${size} random bytes`);
    assertRoundTrip(mixedBody(size, size * 7 + 1), `${size} mixed bytes`);
  }
  // A repeat exactly 32,768 bytes back (the farthest deflate allows) and one a byte farther.
  for (const distance of [32767, 32768, 32769]) {
    const body = Buffer.concat([randomBytes(distance, distance), randomBytes(distance, distance)]).subarray(0, 65536);
    assertRoundTrip(body, `a repeat ${distance} bytes back`);
  }
});

test('fast gzip: the bench page shrinks, and any mix of bytes up to 64 KiB comes back exactly (500 seeds)', () => {
  const page = assertRoundTrip(PAGE, 'the bench page');
  assert.ok(page.length < PAGE.length / 1.8, `the 4 kB page gives ${page.length} bytes`);
  for (let seed = 1; seed <= 500; seed++) {
    const size = Math.floor(random(seed)() * 65537);
    assertRoundTrip(mixedBody(size, seed), `seed ${seed}, ${size} bytes`);
  }
});

test('fast gzip: an incompressible body grows by the stored blocks\' few bytes only', () => {
  for (const size of [1, 100, 4096, 16384, 65535, 65536]) {
    const gzipped = assertRoundTrip(randomBytes(size, size + 3), `${size} random bytes`);
    assert.ok(gzipped.length <= size + storedSize(size), `${size} random bytes gave ${gzipped.length}`);
  }
});

test('fast gzip: the same body gives the same bytes whatever was compressed before', () => {
  const first = fastGzip(PAGE);
  // Right after itself (every 4-byte sequence was just seen, at the same places), and after other bodies.
  assert.deepEqual(fastGzip(PAGE), first);
  for (let seed = 1; seed <= 20; seed++) fastGzip(mixedBody(20_000, seed));
  assert.deepEqual(fastGzip(PAGE), first);
});

test('fast gzip: a CRC-32 the caller already has ends the member as the computed one does', () => {
  const crc = zlib.crc32(PAGE);
  assert.deepEqual(fastGzip(PAGE, crc), fastGzip(PAGE));
  // The trailer holds what it is given: inflate then refuses a wrong one (node checks the trailer).
  assert.throws(() => zlib.gunzipSync(fastGzip(PAGE, (crc + 1) >>> 0)), /incorrect data check|unexpected end/i);
});

test('deflate Huffman codes: skewed counts stay within deflate\'s limits (15 bits, 7 for the code-length code) and form a complete prefix code', () => {
  // Fibonacci counts make the deepest optimal trees: 25 symbols would need 24 bits.
  const fibonacci = [1, 1];
  while (fibonacci.length < 30) fibonacci.push((fibonacci.at(-1) as number) + (fibonacci.at(-2) as number));
  for (const [size, limit] of [[286, 15], [30, 15], [19, 7]] as const) {
    for (const used of [2, 3, 19, 25, 30].filter((u) => u <= size)) {
      const counts = new Uint32Array(size);
      for (let i = 0; i < used; i++) counts[(i * 7) % size] = fibonacci[i] as number;
      const lengths = new Uint8Array(size);
      const codes = new Uint32Array(size);
      const bits = huffmanCode(counts, size, limit, lengths, codes);
      const longest = Math.max(...lengths);
      assert.ok(longest <= limit, `${used} of ${size} symbols, limit ${limit}: ${longest} bits`);
      let kraft = 0;
      let sum = 0;
      for (let s = 0; s < size; s++) {
        assert.equal(lengths[s] === 0, counts[s] === 0, `symbol ${s} has a code exactly when it is used`);
        if (lengths[s] !== 0) kraft += 2 ** -(lengths[s] as number);
        sum += (counts[s] as number) * (lengths[s] as number);
      }
      assert.equal(kraft, 1, `${used} of ${size} symbols, limit ${limit}: a complete code`);
      assert.equal(bits, sum, `${used} of ${size} symbols, limit ${limit}: the bits the symbols take`);
      // As sent (first bit first), no code begins another: inflate reads each symbol back.
      const sent = [...codes].filter((code) => code !== 0).map((code) => [...Array(code >>> 16).keys()].map((i) => (code >>> i) & 1).join(''));
      assert.equal(sent.length, used);
      for (const a of sent) for (const b of sent) assert.ok(a === b || !b.startsWith(a), `${used} of ${size} symbols, limit ${limit}: ${a} begins ${b}`);
      assert.equal(new Set(sent).size, used, `${used} of ${size} symbols, limit ${limit}: codes of their own`);
    }
  }
});

/**
 * Random bytes with a share `copies` of short copies from 16-32 KiB back (each a match whose distance carries 13
 * extra bits): for some shares the dynamic block is about as long as the stored bytes, where a miscounted bit
 * picks a form longer than stored, or one its buffer cannot hold.
 */
function nearlyIncompressible(size: number, copies: number, seed: number, longest = 5): Buffer {
  const next = random(seed);
  const out = randomBytes(size, seed + 1);
  for (let at = 64; at < size;) {
    if (next() < copies) {
      const length = 4 + Math.floor(next() * (longest - 3));
      const distance = Math.min(at, 16385 + Math.floor(next() * 16384));
      for (let i = 0; i < length && at < size; i++, at++) out[at] = out[at - distance] as number;
    } else {
      at += 1 + Math.floor(next() * 8);
    }
  }
  return out;
}

test('fast gzip: bodies about as long compressed as stored come back exactly, never longer than stored', () => {
  // Long copies (up to 40 bytes) make few matches in a body of random bytes: their codes' optimal lengths pass 15 bits.
  for (let seed = 1; seed <= 800; seed++) {
    const size = [512, 4096, 16384, 65535][seed % 4] as number + (seed % 97);
    const body = nearlyIncompressible(size, ((seed * 37) % 150) / 1000, seed, seed % 2 === 0 ? 5 : 40);
    const gzipped = assertRoundTrip(body, `seed ${seed}, ${size} bytes`);
    assert.ok(gzipped.length <= size + storedSize(size), `seed ${seed}: ${size} bytes gave ${gzipped.length}`);
  }
});

test('fast gzip: a body past 65,535 bytes goes as one block per 65,535, each kind after any other, mid-byte', (t) => {
  // Stored blocks start at a byte; the others end anywhere in one: every pair in both orders, then a short last one.
  const pieces = [randomBytes(65535, 11), mixedBody(65535, 12), Buffer.alloc(65535, 0x61), randomBytes(65535, 13), nearlyIncompressible(65535, 0.05, 14)];
  const bodies = [Buffer.concat(pieces), Buffer.concat([...pieces].reverse()), Buffer.concat([mixedBody(65535, 15), Buffer.from('tail')])];
  const gzip = spawnSync('gzip', ['--version']).status === 0;
  for (const [i, body] of bodies.entries()) {
    const gzipped = assertRoundTrip(body, `body ${i}`);
    assert.ok(gzipped.length <= body.length + storedSize(body.length), `body ${i}: ${body.length} bytes gave ${gzipped.length}`);
    if (gzip) assert.deepEqual(spawnSync('gzip', ['-dc'], { input: gzipped, maxBuffer: 1 << 24 }).stdout, body, `body ${i} through gzip -dc`);
  }
  if (!gzip) t.diagnostic('no gzip command: zlib only');
});

test('fast gzip: gzip(1), another inflate than zlib\'s, reads every kind of block', (t) => {
  const gzip = spawnSync('gzip', ['--version']);
  if (gzip.status !== 0) return t.skip('no gzip command');
  const repeated = (n: number): Buffer => Buffer.concat([randomBytes(n, n), randomBytes(n, n)]);
  const bodies: Record<string, Buffer> = {
    'empty (fixed codes)': Buffer.alloc(0),
    'a short text (fixed codes)': Buffer.from('hello hello hello hello'),
    'the bench page (dynamic)': PAGE,
    'one distance code only, 5000 back': repeated(5000),
    'a repeat 32,768 bytes back': repeated(32768),
    'a run of one byte': Buffer.alloc(65536, 7),
    'random (stored)': randomBytes(65536, 5),
    'mixed': mixedBody(40_000, 3),
    'nearly incompressible': nearlyIncompressible(16384, 0.05, 9),
  };
  for (const [what, body] of Object.entries(bodies)) {
    const decoded = spawnSync('gzip', ['-dc'], { input: fastGzip(body), maxBuffer: 1 << 24 });
    assert.equal(decoded.status, 0, `${what}: ${decoded.stderr.toString()}`);
    assert.deepEqual(decoded.stdout, body, what);
  }
});
