import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { fastGzip, gzipPreset, presetGzip, PRESET_MAX_BYTES, type GzipPreset } from '../../../proxy/middlewares/response/fast-gzip.js';
import { huffmanCode } from '../../../proxy/middlewares/response/deflate-huffman.js';
import { gzipPresetFor } from '../../../proxy/middlewares/response/gzip-presets.js';
import { oneOffGzip } from '../../../proxy/middlewares/response/compressed-body.js';
import { seededRandom as random } from '../../support/seeded-random.js';

const PAGE = readFileSync(new URL('../../../../test/bench/backends/page.html', import.meta.url));
const API_ANSWER = readFileSync(new URL('../../../../test/bench/backends/page.json', import.meta.url));
const HTML = gzipPresetFor('text/html');
const JSON_PRESET = gzipPresetFor('application/json');

function html(): NonNullable<typeof HTML> {
  assert.ok(HTML !== null, 'text/html has a preset');
  return HTML;
}

function json(): NonNullable<typeof JSON_PRESET> {
  assert.ok(JSON_PRESET !== null, 'application/json has a preset');
  return JSON_PRESET;
}

/** The bench page's pieces shuffled, with tokens, non-ASCII text and runs among them: `size` bytes. */
function pageLike(size: number, seed: number): Buffer {
  const next = random(seed);
  const out = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    const length = Math.min(size - at, 1 + Math.floor(next() * 200));
    const kind = next();
    if (kind < 0.7) {
      const from = Math.floor(next() * (PAGE.length - length));
      at += PAGE.copy(out, at, from, from + length);
    } else if (kind < 0.8) {
      at += out.write('é – “Grüße” 日本語 ', at, 'utf8');
    } else if (kind < 0.9) {
      for (let i = 0; i < length && at < size; i++, at++) out[at] = 0x21 + Math.floor(next() * 94);
    } else {
      out.fill(Math.floor(next() * 256), at, at + length);
      at += length;
    }
  }
  return out;
}

/** `preset`'s code lengths, with no limit on a page's bits per literal: it takes every body. */
function takingAll(preset: GzipPreset): GzipPreset {
  const lengths = (codes: Uint32Array): Uint8Array => Uint8Array.from(codes, (code) => code >>> 16);
  return gzipPreset(lengths(preset.literalCodes), lengths(preset.distanceCodes), Infinity);
}

/** A preset of codes as uneven as a Huffman code of skewed random counts: lengths from 1 or 2 bits up to 15. */
function skewedPreset(seed: number): GzipPreset {
  const next = random(seed);
  const lengthsOf = (size: number): Uint8Array => {
    const counts = Uint32Array.from({ length: size }, () => 1 + Math.floor(2 ** (next() * 20)));
    const lengths = new Uint8Array(size);
    huffmanCode(counts, size, 15, lengths, new Uint32Array(size));
    return lengths;
  };
  return gzipPreset(lengthsOf(286), lengthsOf(30), Infinity);
}

function assertPresetRoundTrip(body: Buffer, preset: GzipPreset, what: string): Buffer | null {
  const gzipped = presetGzip(body, preset);
  if (gzipped !== null) assert.deepEqual(zlib.gunzipSync(gzipped), body, `${what}: gunzip gives the body back`);
  return gzipped;
}

test('gzip presets: an HTML page takes one pass with the preset, a few percent more bytes than its own codes', () => {
  const page = assertPresetRoundTrip(PAGE, html(), 'the bench page');
  assert.ok(page !== null, 'the preset fits the bench page');
  const own = fastGzip(PAGE).length;
  assert.ok(page.length > own * 0.9 && page.length < own * 1.1, `${page.length} bytes with the preset, ${own} with the page's own codes`);
  const tokens = Buffer.from(PAGE);
  for (let at = 100; at + 32 < tokens.length; at += 400) tokens.write(random(at)().toString(36).slice(2, 12), at, 'latin1');
  assert.ok(assertPresetRoundTrip(tokens, html(), 'the bench page with tokens') !== null, 'and with tokens in it');
});

test('gzip presets: a JSON API answer takes one pass with the JSON preset, a few percent more bytes than its own codes', () => {
  assert.ok(JSON_PRESET !== null && JSON_PRESET !== HTML, 'application/json has a preset of its own');
  const answer = assertPresetRoundTrip(API_ANSWER, JSON_PRESET, 'the bench\'s API answer');
  assert.ok(answer !== null, 'the preset fits the bench\'s API answer');
  const own = fastGzip(API_ANSWER).length;
  assert.ok(answer.length > own * 0.95 && answer.length < own * 1.1, `${answer.length} bytes with the preset, ${own} with its own codes`);
  // The same answer pretty-printed (two spaces an indent, as many frameworks answer in development) fits it too.
  const pretty = Buffer.from(JSON.stringify(JSON.parse(API_ANSWER.toString()), null, 2));
  assert.ok(assertPresetRoundTrip(pretty, JSON_PRESET, 'pretty-printed') !== null, 'and pretty-printed');
  // Base64 (an image or a key inside JSON) fits it badly: its own codes.
  const next = random(13);
  const base64 = Buffer.from(JSON.stringify({ avatar: Buffer.from(Array.from({ length: 3000 }, () => Math.floor(next() * 256))).toString('base64') }));
  assert.equal(presetGzip(base64, JSON_PRESET), null, 'mostly base64: refused');
});

test('gzip presets: any body up to 16 KiB comes back exactly, whatever the codes (300 seeds, two presets each)', () => {
  const all = takingAll(html());
  for (let seed = 1; seed <= 300; seed++) {
    const size = Math.floor(random(seed)() * (PRESET_MAX_BYTES + 1));
    const body = pageLike(size, seed);
    assert.ok(assertPresetRoundTrip(body, all, `seed ${seed}, ${size} bytes`) !== null);
    assert.ok(assertPresetRoundTrip(body, skewedPreset(seed), `seed ${seed}, ${size} bytes, skewed codes`) !== null);
  }
  for (const size of [0, 1, 2, 3, 4, 5, 258, 259, PRESET_MAX_BYTES]) assertPresetRoundTrip(pageLike(size, size + 1), all, `${size} bytes`);
  // The most a body can take: 16 KiB of bytes with the longest codes, in no repeating order (15 bits each).
  const next = random(5);
  const longest = Buffer.alloc(PRESET_MAX_BYTES);
  for (let i = 0; i < longest.length; i++) longest[i] = 0x80 + Math.floor(next() * 128);
  assert.ok(assertPresetRoundTrip(longest, all, '16 KiB of the longest codes') !== null);
});

test('gzip presets: a body the preset fits badly gets its own codes, and one past 16 KiB is left to the other encoders', () => {
  // Bytes with the preset's longest codes, in no repeating order: written whole before the fit is judged (15 bits a
  // byte, the most the output must hold), then refused.
  const next = random(7);
  const rare = Buffer.alloc(PRESET_MAX_BYTES);
  for (let i = 0; i < rare.length; i++) rare[i] = 0x80 + Math.floor(next() * 128);
  assert.equal(presetGzip(rare, html()), null, 'random high bytes: refused');
  assert.deepEqual(oneOffGzip(rare, html()), fastGzip(rare), 'and compressed with their own codes (stored)');
  const japanese = Buffer.from('<p>' + '吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。'.repeat(40) + '</p>');
  assert.equal(presetGzip(japanese.subarray(0, 4000), html()), null, 'a page of Japanese text: refused');
  assert.equal(presetGzip(Buffer.alloc(PRESET_MAX_BYTES + 1, 0x61), html()), null, 'past PRESET_MAX_BYTES');
  assert.deepEqual(oneOffGzip(PAGE, null), fastGzip(PAGE), 'no preset: its own codes');
});

test('gzip presets: a page over 2 KiB is judged a quarter of the way through too, so one unlike its preset costs little more than its own codes', () => {
  // Random digits (about 7 bits each with either preset) then words of common letters (under 6): together under 6.5
  // bits a literal, so the page passes when the words come first; with the digits first, its first quarter is judged.
  for (const size of [PRESET_MAX_BYTES, 4096, 2052]) {
    const next = random(11);
    const digits = Buffer.from(Array.from({ length: size / 4 }, () => String(Math.floor(next() * 10))).join(''));
    let words = '';
    while (words.length < (size * 3) / 4) words += Array.from({ length: 2 + Math.floor(next() * 7) }, () => 'etaoinshrdlucmfwyp'[Math.floor(next() * next() * 18)]).join('') + ' ';
    const text = Buffer.from(words.slice(0, (size * 3) / 4));
    assert.ok(assertPresetRoundTrip(Buffer.concat([text, digits]), html(), `${size} bytes, words, then digits`) !== null, `${size} bytes: the whole page fits`);
    assert.equal(presetGzip(Buffer.concat([digits, text]), html()), null, `${size} bytes: its first quarter does not`);
  }
  // A 4 kB JSON answer, a series of measurements before the records: refused once its first quarter is written (judged
  // only at its end, such an answer the JSON preset refused cost 1.5-2.4x the one-pass encoder alone).
  const next = random(12);
  const series = JSON.stringify(Array.from({ length: 140 }, () => Math.floor(next() * 1e6) / 100)).slice(1, -1);
  const word = (): string => Array.from({ length: 2 + Math.floor(next() * 7) }, () => 'etaoinshrdlucmfwyp'[Math.floor(next() * next() * 18)]).join('');
  const records: string[] = [];
  while (records.join(',').length < 3000) records.push(`{"id":${records.length},"title":"${Array.from({ length: 4 }, word).join(' ')}"}`);
  const answer = (first: string, second: string): Buffer => Buffer.from(`{"a":[${first}],"b":[${second}]}`);
  const seriesFirst = answer(series, records.join(','));
  assert.ok(assertPresetRoundTrip(answer(records.join(','), series), json(), 'records, then the series') !== null, 'the whole answer fits the JSON preset');
  assert.ok(series.length > seriesFirst.length / 4, 'the series fills its first quarter');
  assert.equal(presetGzip(seriesFirst, json()), null, 'the series first: refused at a quarter');
});

test('gzip presets: the same page gives the same bytes whatever was compressed before, and a CRC-32 the caller has ends it', () => {
  const first = presetGzip(PAGE, html());
  for (let seed = 1; seed <= 10; seed++) {
    presetGzip(pageLike(10_000, seed), html());
    fastGzip(pageLike(30_000, seed));
  }
  assert.deepEqual(presetGzip(PAGE, html()), first);
  assert.deepEqual(presetGzip(PAGE, html(), zlib.crc32(PAGE)), first);
});

test('gzip presets: gzip(1), another inflate than zlib\'s, reads a preset\'s block', (t) => {
  if (spawnSync('gzip', ['--version']).status !== 0) return t.skip('no gzip command');
  for (const body of [PAGE, pageLike(PRESET_MAX_BYTES, 3), Buffer.from('<p>')]) {
    const gzipped = presetGzip(body, takingAll(html()));
    assert.ok(gzipped !== null);
    assert.deepEqual(spawnSync('gzip', ['-dc'], { input: gzipped }).stdout, body);
  }
});

/** A JSON-like answer of up to `max` bytes: records of words, numbers, hex ids, base64, non-ASCII text, escapes. */
function jsonLike(seed: number, max: number): Buffer {
  const next = random(seed);
  const pick = (text: string): string => text[Math.floor(next() * text.length)] as string;
  const run = (alphabet: string, length: number): string => Array.from({ length }, () => pick(alphabet)).join('');
  const keys = Array.from({ length: 2 + Math.floor(next() * 8) }, () => run('abcdefghijklmnopqrstuvwxyz_', 2 + Math.floor(next() * 9)));
  const plain = next() < 0.7; // most answers text and numbers; the rest anything
  const text = (): string => {
    const kind = plain ? next() * 0.6 : next();
    const length = Math.floor(next() * next() * 200);
    if (kind < 0.4) return run('etaoin shrdlucmfwyp.,', length);
    if (kind < 0.6) return run('0123456789abcdef', 8 + (length % 32));
    if (kind < 0.7) return Buffer.from(run('\x00\xff\x80abc', length), 'latin1').toString('base64');
    if (kind < 0.8) return Array.from({ length: length >>> 2 }, () => String.fromCharCode(0x3041 + Math.floor(next() * 0x5f))).join('');
    if (kind < 0.9) return '"\\\t\n\u0001'.repeat(length % 9);
    return '';
  };
  const value = (depth: number): unknown => {
    const kind = next();
    if (depth > 3 || kind < 0.35) return text();
    if (kind < 0.55) return Math.floor(next() * 1e9) / (next() < 0.5 ? 1 : 1000);
    if (kind < 0.6) return [true, false, null][Math.floor(next() * 3)];
    if (kind < 0.75) return Array.from({ length: Math.floor(next() * 6) }, () => value(depth + 1));
    return Object.fromEntries(keys.slice(0, 1 + Math.floor(next() * keys.length)).map((key) => [key, value(depth + 1)]));
  };
  const target = Math.floor(next() * next() * max);
  const records: string[] = [];
  let length = 2;
  while (length < target) {
    const record = JSON.stringify(value(0));
    records.push(record);
    length += record.length + 1;
  }
  const answer = Buffer.from(next() < 0.2 ? JSON.stringify(JSON.parse(`[${records.join(',')}]`), null, 2) : `[${records.join(',')}]`);
  // Cut anywhere, even inside a character, as a body cut by a proxy's limit is.
  return answer.subarray(0, next() < 0.1 ? Math.floor(next() * answer.length) : Math.min(answer.length, max));
}

test('gzip presets: JSON-like answers come back exactly with the JSON preset, from zlib and from gzip(1) (400 seeds)', () => {
  const members: Buffer[] = [];
  const bodies: Buffer[] = [];
  let took = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const body = jsonLike(seed, PRESET_MAX_BYTES);
    const gzipped = oneOffGzip(body, json());
    assert.deepEqual(zlib.gunzipSync(gzipped), body, `seed ${seed}, ${body.length} bytes`);
    if (presetGzip(body, json()) !== null) took++;
    members.push(gzipped);
    bodies.push(body);
  }
  assert.ok(took > 100 && took < 350, `the preset took ${took} of 400: both paths tested`);
  // gzip(1) reads concatenated members as one stream: every answer once more, through another inflate.
  const gzip = spawnSync('gzip', ['-dc'], { input: Buffer.concat(members), maxBuffer: 64 * 1024 * 1024 });
  if (gzip.error === undefined) assert.deepEqual(gzip.stdout, Buffer.concat(bodies), 'gzip(1) reads them all');
});

test('gzip presets: HTML and JSON answers have one, by their media type; lengths that are not a complete code are refused', () => {
  for (const type of ['text/html', 'text/html; charset=utf-8', 'TEXT/HTML;charset=UTF-8', 'application/xhtml+xml']) assert.equal(gzipPresetFor(type), HTML, type);
  for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json', 'application/vnd.api+json', 'application/ld+json']) assert.equal(gzipPresetFor(type), JSON_PRESET, type);
  for (const type of ['text/plain', 'text/css', 'text/htmlx', 'application/jsonx', 'application/json-seq', 'json', 'html', '']) assert.equal(gzipPresetFor(type), null, type);
  const all = (size: number, length: number): Uint8Array => new Uint8Array(size).fill(length);
  // 286 codes of 9 bits leave room (incomplete), of 8 bits overflow; 30 distance codes of 5 bits leave room too.
  assert.throws(() => gzipPreset(all(286, 9), all(30, 5), 8), /complete code/);
  assert.throws(() => gzipPreset(all(286, 8), all(30, 5), 8), /complete code/);
  const literals = all(286, 9);
  literals.fill(8, 0, 226);
  assert.throws(() => gzipPreset(literals, all(30, 5), 8), /complete code/, 'distance codes incomplete');
  literals[0] = 0;
  assert.throws(() => gzipPreset(literals, all(30, 5), 8), /complete code/, 'a symbol without a code');
});
