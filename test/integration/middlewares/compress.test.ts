import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/dynamic/validate.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { compressedRoute } from './compressed-route.js';
import { compressedBodies } from '../../../proxy/middlewares/response/compressed-cache.js';
import { fastGzip, presetGzip } from '../../../proxy/middlewares/response/fast-gzip.js';
import { gzipPresetFor } from '../../../proxy/middlewares/response/gzip-presets.js';
import { GzipTemplates } from '../../../proxy/middlewares/response/gzip-templates.js';
import { brotliWholeOptions, ONE_OFF_BROTLI_QUALITY, oneOffGzip } from '../../../proxy/middlewares/response/compressed-body.js';
import { zstd } from '../../../proxy/middlewares/response/zstd.js';

/** compress's one-off gzip of an HTML answer (these tests' backends answer text/html). */
const htmlOneOff = (body: Buffer): Buffer => oneOffGzip(body, gzipPresetFor('text/html'));

const BIG = 'x'.repeat(2048);
const SMALL = 'y'.repeat(500);
const LARGE = Buffer.from(Array.from({ length: 4000 }, (_, i) => `line ${i} of a large answer\n`).join(''));

/** Backend paths: /big and /small answer with Content-Length; /chunked-* stream without it. */
function answer(path: string, res: import('node:http').ServerResponse): void {
  const type = path.includes('html') ? 'text/html' : 'text/plain; charset=utf-8';
  if (path === '/encoded') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    res.end(zlib.gzipSync(BIG));
    return;
  }
  if (path.startsWith('/range')) {
    // A server honouring `Range: bytes=0-2047` of a 4 KiB file: with a Content-Length, or streamed without one.
    const whole = BIG + BIG;
    const head: Record<string, string | number> = { 'content-type': 'text/plain', 'accept-ranges': 'bytes', 'content-range': `bytes 0-2047/${whole.length}` };
    if (!path.includes('chunked')) head['content-length'] = 2048;
    res.writeHead(206, head);
    res.end(whole.slice(0, 2048));
    return;
  }
  if (path === '/unsatisfiable') {
    res.writeHead(416, { 'content-type': 'text/plain', 'content-range': 'bytes */4096', 'content-length': BIG.length });
    res.end(BIG);
    return;
  }
  if (path === '/offers-ranges') {
    res.writeHead(200, { 'content-type': 'text/plain', 'accept-ranges': 'bytes', 'content-length': BIG.length });
    res.end(BIG);
    return;
  }
  if (path === '/large' || path === '/large-short') {
    // Over 64 KiB with a Content-Length: compressed as a stream. '/large-short' sends 100 bytes fewer than it declares.
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': LARGE.length });
    res.end(path === '/large' ? LARGE : LARGE.subarray(100));
    return;
  }
  if (path === '/no-content') {
    res.writeHead(204);
    res.end();
    return;
  }
  const body = path.includes('small') ? SMALL : BIG;
  if (path.startsWith('/chunked')) {
    // A first write, then the rest 20 ms later: each streams. /chunked-stream's first passes compress's 1024 bytes.
    const first = path.startsWith('/chunked-stream') ? 1500 : 300;
    res.writeHead(200, { 'content-type': type });
    res.write(body.slice(0, first));
    setTimeout(() => res.end(body.slice(first)), 20);
    return;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** What Traefik's defaults answer to a client accepting `gzip, br, zstd`: zstd, or br on a node without zstd (node 20). */
const PREFERRED = zstd !== null ? 'zstd' : 'br';

function hasZstdDecompress(z: object): z is { zstdDecompressSync(body: Buffer): Buffer } {
  return 'zstdDecompressSync' in z && typeof z.zstdDecompressSync === 'function';
}

/** A body decoded as its Content-Encoding says (zstd with node's own decoder, which node 20 lacks). */
function decoded(encoding: string | string[] | undefined, body: Buffer): string {
  if (encoding === 'br') return zlib.brotliDecompressSync(body).toString();
  if (encoding === 'gzip') return zlib.gunzipSync(body).toString();
  const z: object = zlib;
  if (encoding === 'zstd' && hasZstdDecompress(z)) return z.zstdDecompressSync(body).toString();
  throw new Error(`no decoder here for ${String(encoding)}`);
}

function withCompress(t: import('node:test').TestContext, compress: Record<string, unknown>): ReturnType<typeof compressedRoute> {
  return compressedRoute(t, compress, (req, res) => answer(req.url ?? '/', res));
}

async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const res = await request(url, { method: method as 'GET', headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

test(`compress: {} with Accept-Encoding gzip, br, zstd compresses 2 KB text/plain with zstd as Traefik does (br on node 20, which lacks zstd): ${PREFERRED} here`, async (t) => {
  const { url } = await withCompress(t, {});
  for (const path of ['/big', '/chunked-big', '/chunked-stream']) {
    const res = await get(url + path, { 'accept-encoding': 'gzip, br, zstd' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], PREFERRED, path);
    // A body up to 64 KiB that ends as it is read (declared, or chunked and done in the turn of its first read) is
    // compressed whole and sent with its compressed length (Go, too, sends a Content-Length for an answer that ends
    // within its 2 kB chunking buffer); one still coming at the next turn of the event loop streams chunked, under
    // 1024 bytes so far too (Traefik's proxy flushes it, which starts compressing).
    assert.equal(res.headers['content-length'], path.startsWith('/chunked') ? undefined : String(res.body.length), path);
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.equal(decoded(res.headers['content-encoding'], res.body), BIG);
  }
});

test('compress: zstd answers a browser that offers it, kept and served again like any other encoding', { skip: zstd === null ? 'this node has no zstd (node 20): br answers instead, tested above' : false }, async (t) => {
  const { url } = await withCompress(t, {});
  const chrome = 'gzip, deflate, br, zstd';
  const bodies: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await get(url + '/html-big', { 'accept-encoding': chrome });
    assert.equal(res.headers['content-encoding'], 'zstd');
    assert.equal(res.headers['content-length'], String(res.body.length));
    assert.equal(decoded('zstd', res.body), BIG);
    bodies.push(res.body);
  }
  // The second compression is the one kept; the third answer is the kept one, the same bytes.
  assert.deepEqual(bodies[2], bodies[1]);
  // Over 64 KiB with a Content-Length: zstd's stream compressor, told the length; one that comes short is cut.
  const large = await get(url + '/large', { 'accept-encoding': 'zstd' });
  assert.equal(large.headers['content-encoding'], 'zstd');
  assert.ok(LARGE.length > 64 * 1024);
  assert.deepEqual(Buffer.from(decoded('zstd', large.body), 'latin1'), LARGE);
  await assert.rejects(get(url + '/large-short', { 'accept-encoding': 'zstd' }));
  // A body of unknown length still coming goes through zstd's stream compressor, chunked.
  const res = await get(url + '/chunked-stream', { 'accept-encoding': 'zstd' });
  assert.equal(res.headers['content-encoding'], 'zstd');
  assert.equal(res.headers['content-length'], undefined);
  assert.equal(decoded('zstd', res.body), BIG);
});

/** The window a brotli stream declares in its first bits (RFC 7932, 9.1: WBITS, read lowest bit first). */
function brotliWindowBits(stream: Buffer): number {
  const first = stream[0]!;
  if ((first & 1) === 0) return 16;
  const n = (first >>> 1) & 7;
  if (n !== 0) return 17 + n;
  const m = (first >>> 4) & 7;
  assert.notEqual(m, 1, 'a large-window brotli stream, which browsers do not read');
  return m === 0 ? 17 : 8 + m;
}

test('compress: a streamed brotli answer of declared length holds a window sized to it, not 4 MiB; one of unknown length keeps brotli\'s 4 MiB', async (t) => {
  const { url } = await withCompress(t, {});
  // About 108 KB with a Content-Length: over 64 KiB, so compressed as a stream. Its window: 2^17, the smallest that
  // holds the body (brotli reaches back at most the window less 16 bytes), where every streamed answer held 2^22 before.
  const large = await get(url + '/large', { 'accept-encoding': 'br' });
  assert.equal(large.headers['content-encoding'], 'br');
  assert.equal(large.headers['content-length'], undefined);
  assert.ok(LARGE.length > 64 * 1024 && LARGE.length < 2 ** 17);
  assert.equal(brotliWindowBits(large.body), 17);
  assert.deepEqual(zlib.brotliDecompressSync(large.body), LARGE);
  // One that comes short of its Content-Length is still cut.
  await assert.rejects(get(url + '/large-short', { 'accept-encoding': 'br' }));
  // A body of unknown length, still coming: brotli's default window, as Traefik's.
  const streamed = await get(url + '/chunked-stream', { 'accept-encoding': 'br' });
  assert.equal(streamed.headers['content-encoding'], 'br');
  assert.equal(brotliWindowBits(streamed.body), 22);
  assert.equal(zlib.brotliDecompressSync(streamed.body).toString(), BIG);
});

test('compress: a 500 B body passes uncompressed with its own headers; one of unknown length still coming after its first read streams compressed', async (t) => {
  const { url } = await withCompress(t, {});
  const plain = await get(url + '/small', { 'accept-encoding': 'gzip, br, zstd' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers['content-length'], '500');
  assert.equal(plain.body.toString(), SMALL);
  // 300 bytes, the rest 20 ms later: Traefik's proxy flushes the first write, and its compress writer starts
  // compressing what it holds when flushed, under minResponseBodyBytes too.
  const chunked = await get(url + '/chunked-small', { 'accept-encoding': 'gzip, br, zstd' });
  assert.equal(chunked.headers['content-encoding'], PREFERRED);
  assert.equal(chunked.headers['content-length'], undefined);
  assert.equal(decoded(chunked.headers['content-encoding'], chunked.body), SMALL);
});

test('compress: q-values choose gzip; no Accept-Encoding means no compression', async (t) => {
  const { url } = await withCompress(t, {});
  const weighted = await get(url + '/big', { 'accept-encoding': 'gzip;q=1, br;q=0.5' });
  assert.equal(weighted.headers['content-encoding'], 'gzip');
  assert.equal(zlib.gunzipSync(weighted.body).toString(), BIG);
  const none = await get(url + '/big');
  assert.equal(none.headers['content-encoding'], undefined);
  assert.equal(none.headers.vary, undefined);
  assert.equal(none.body.toString(), BIG);
  // Each request's own header decides, whatever the one before it said.
  for (const [accept, expected] of [['br', 'br'], ['gzip;q=1, br;q=0.5', 'gzip'], ['br', 'br'], ['identity', undefined], ['gzip', 'gzip']] as const) {
    assert.equal((await get(url + '/big', { 'accept-encoding': accept })).headers['content-encoding'], expected, accept);
  }
});

test('compress: already-encoded responses, HEAD and 204 are left alone', async (t) => {
  const { url } = await withCompress(t, {});
  const encoded = await get(url + '/encoded', { 'accept-encoding': 'br' });
  assert.equal(encoded.headers['content-encoding'], 'gzip');
  assert.equal(zlib.gunzipSync(encoded.body).toString(), BIG);
  const head = await get(url + '/big', { 'accept-encoding': 'br' }, 'HEAD');
  assert.equal(head.headers['content-encoding'], undefined);
  assert.equal(head.headers['content-length'], '2048');
  const empty = await get(url + '/no-content', { 'accept-encoding': 'br' });
  assert.equal(empty.status, 204);
  assert.equal(empty.headers['content-encoding'], undefined);
});

test('compress: a range (206 with Content-Range) passes as it came, never compressed nor kept; a compressed answer offers no ranges', async (t) => {
  const { url } = await withCompress(t, {});
  const sizeBefore = compressedBodies.size;
  for (const encoding of ['gzip', 'br', 'gzip', 'br']) {
    for (const path of ['/range', '/range-chunked']) {
      const res = await get(url + path, { 'accept-encoding': encoding, range: 'bytes=0-2047' });
      assert.equal(res.status, 206, path);
      assert.equal(res.headers['content-encoding'], undefined, `${path} ${encoding}`);
      assert.equal(res.headers['content-range'], 'bytes 0-2047/4096', path);
      assert.equal(res.headers['accept-ranges'], 'bytes', path);
      if (path === '/range') assert.equal(res.headers['content-length'], '2048');
      assert.equal(res.body.toString(), BIG, 'the bytes Content-Range names');
    }
  }
  assert.equal(compressedBodies.size, sizeBefore, 'no range was kept compressed');
  // gzhttp leaves any answer naming a Content-Range alone, whatever its status.
  const unsatisfiable = await get(url + '/unsatisfiable', { 'accept-encoding': 'gzip', range: 'bytes=5000-' });
  assert.equal(unsatisfiable.status, 416);
  assert.equal(unsatisfiable.headers['content-encoding'], undefined);
  assert.equal(unsatisfiable.headers['content-range'], 'bytes */4096');
  for (const encoding of ['gzip', 'br']) {
    const whole = await get(url + '/offers-ranges', { 'accept-encoding': encoding });
    assert.equal(whole.headers['content-encoding'], encoding);
    assert.equal(whole.headers['accept-ranges'], undefined, `${encoding}: ranges of compressed bytes are not offered`);
  }
  const plain = await get(url + '/offers-ranges');
  assert.equal(plain.headers['accept-ranges'], 'bytes', 'uncompressed: the backend\'s offer stands');
});

test('compress: excluded and included content types, and an excluded request type', async (t) => {
  const excluding = await withCompress(t, { excludedContentTypes: ['text/html'] });
  assert.equal((await get(excluding.url + '/big-html', { 'accept-encoding': 'gzip' })).headers['content-encoding'], undefined);
  assert.equal((await get(excluding.url + '/big', { 'accept-encoding': 'gzip' })).headers['content-encoding'], 'gzip');
  const grpc = await get(excluding.url + '/big', { 'accept-encoding': 'gzip', 'content-type': 'application/grpc' });
  assert.equal(grpc.headers['content-encoding'], undefined);
  const including = await withCompress(t, { includedContentTypes: ['text/html'] });
  assert.equal((await get(including.url + '/chunked-big-html', { 'accept-encoding': 'gzip' })).headers['content-encoding'], 'gzip');
  assert.equal((await get(including.url + '/big', { 'accept-encoding': 'gzip' })).headers['content-encoding'], undefined);
});

test('compress: defaultEncoding answers requests without Accept-Encoding; minResponseBodyBytes is honoured', async (t) => {
  const { url } = await withCompress(t, { defaultEncoding: 'gzip', minResponseBodyBytes: 100, encodings: ['gzip'] });
  const res = await get(url + '/small');
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.equal(zlib.gunzipSync(res.body).toString(), SMALL);
  const br = await get(url + '/small', { 'accept-encoding': 'br' });
  assert.equal(br.headers['content-encoding'], undefined, 'br is not in encodings');
});

test(`compress: encodings [zstd] only never fails a request: zstd where node has it, else uncompressed (${zstd !== null ? 'zstd' : 'uncompressed'} here)`, async (t) => {
  const { url } = await withCompress(t, { encodings: ['zstd'] });
  const res = await get(url + '/big', { 'accept-encoding': 'zstd' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-encoding'], zstd !== null ? 'zstd' : undefined);
  assert.equal(zstd !== null ? decoded('zstd', res.body) : res.body.toString(), BIG);
});

test('compress: a dead backend still answers 502 Bad Gateway', async (t) => {
  const { url, backend } = await withCompress(t, {});
  await backend.close();
  const res = await get(url + '/big', { 'accept-encoding': 'gzip' });
  assert.equal(res.status, 502);
  assert.equal(res.body.toString(), 'Bad Gateway');
});

test('compress around pe-edge\'s own answers: the API\'s JSON is compressed as Traefik\'s wrapped writer compresses it; a small 502 is not, but says Vary', async (t) => {
  const m = validateDynamicConfig({ http: { middlewares: { m: { compress: {} } } } }).config.http.middlewares.m;
  assert.ok(m !== undefined);
  const routers: Record<string, { rule: string; service: string; middlewares: string[] }> = {
    'api@file': { rule: 'PathPrefix(`/api`)', service: 'api@internal', middlewares: ['m'] },
    'dead@file': { rule: 'PathPrefix(`/dead`)', service: 'dead', middlewares: ['m'] },
  };
  // Enough routers that /api/http/routers answers well over compress's 1024-byte minimum.
  for (let i = 0; i < 30; i++) routers[`app${i}@file`] = { rule: `Host(\`app${i}.example.com\`)`, service: 'dead', middlewares: ['m'] };
  const proxy = await startProxy({
    ...buildInput({
      http: {
        routers,
        services: { 'dead@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } },
        middlewares: { 'm@file': m },
      },
    }),
    api: {
      insecure: false, version: '9.9.9', startDate: '2024-01-01T00:00:00.000Z', entryPoints: { web: { address: '127.0.0.1:0' } },
      features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'],
    },
  });
  t.after(() => proxy.close(0));
  const url = `http://127.0.0.1:${proxy.port('web')}`;
  const api = await get(url + '/api/http/routers', { 'accept-encoding': 'gzip' });
  assert.equal(api.status, 200);
  assert.equal(api.headers['content-encoding'], 'gzip');
  assert.equal(api.headers.vary, 'Accept-Encoding');
  const routersListed = JSON.parse(zlib.gunzipSync(api.body).toString()) as { name: string }[];
  assert.ok(routersListed.some((r) => r.name === 'app29@file'), 'the whole JSON, compressed');
  assert.equal(Number(api.headers['content-length']), api.body.length, 'its Content-Length is the compressed length');
  const plain = await get(url + '/api/http/routers');
  assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: as it was');
  const bad = await get(url + '/dead', { 'accept-encoding': 'gzip' });
  assert.equal(bad.status, 502);
  assert.equal(bad.body.toString(), 'Bad Gateway');
  assert.equal(bad.headers['content-encoding'], undefined);
  assert.equal(bad.headers.vary, 'Accept-Encoding');
});

test('compress: bodies compressed from memory are the bodies the backend sent, whichever came before', async (t) => {
  // Two pages of the same length that differ in one byte, and one marked private, alternating: every answer
  // must decode to its own page (a cache keyed by length, or by a prefix, would swap them).
  const pageA = '<!DOCTYPE html><p>' + 'a'.repeat(4000) + 'A</p>';
  const pageB = '<!DOCTYPE html><p>' + 'a'.repeat(4000) + 'B</p>';
  const { url } = await compressedRoute(t, {}, (req, res) => {
    const privatePage = req.url === '/private';
    const body = req.url === '/a' ? pageA : privatePage ? pageA.replace('<p>', '<P>') : pageB;
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), ...(privatePage ? { 'cache-control': 'private' } : {}) });
    res.end(body);
  });
  for (let round = 0; round < 3; round++) {
    for (const [path, encoding, want] of [['/a', 'br', pageA], ['/b', 'br', pageB], ['/a', 'gzip', pageA], ['/b', 'gzip', pageB], ['/private', 'gzip', pageA.replace('<p>', '<P>')]] as const) {
      const res = await get(url + path, { 'accept-encoding': encoding });
      assert.equal(res.headers['content-encoding'], encoding);
      assert.equal(res.headers['content-length'], String(res.body.length));
      const decoded = encoding === 'br' ? zlib.brotliDecompressSync(res.body) : zlib.gunzipSync(res.body);
      assert.equal(decoded.toString(), want, `${path} ${encoding} round ${round}`);
    }
  }
  // The private page is never kept: asking for it again finds nothing and adds nothing.
  const sizeBefore = compressedBodies.size;
  const hitsBefore = compressedBodies.hits;
  for (let i = 0; i < 3; i++) await get(url + '/private', { 'accept-encoding': 'br' });
  assert.equal(compressedBodies.size, sizeBefore);
  assert.equal(compressedBodies.hits, hitsBefore);
  await get(url + '/a', { 'accept-encoding': 'br' });
  assert.equal(compressedBodies.hits, hitsBefore + 1, 'a public page seen before is a hit');
  // A client with a cookie gets its own entries: the page others got is compressed again for it (and kept at
  // the second time, as any body).
  await get(url + '/a', { 'accept-encoding': 'br', cookie: 'session=alice' });
  await get(url + '/a', { 'accept-encoding': 'br', cookie: 'session=alice' });
  assert.equal(compressedBodies.hits, hitsBefore + 1, 'not the anonymous entry');
  const alice = await get(url + '/a', { 'accept-encoding': 'br', cookie: 'session=alice' });
  assert.equal(compressedBodies.hits, hitsBefore + 2, 'alice\'s own entry');
  assert.equal(zlib.brotliDecompressSync(alice.body).toString(), pageA);
  for (let i = 0; i < 2; i++) await get(url + '/a', { 'accept-encoding': 'br', authorization: 'Basic Ym9iOng=' });
  assert.equal(compressedBodies.hits, hitsBefore + 2, 'nor alice\'s for bob');
  // Another Host (another site on the same pe-edge) and answers to POST get nothing from the entries above.
  for (let i = 0; i < 2; i++) await get(url + '/a', { 'accept-encoding': 'br', host: 'other.example' });
  assert.equal(compressedBodies.hits, hitsBefore + 2, 'not the entry of another Host');
  const sizeBeforePosts = compressedBodies.size;
  for (let i = 0; i < 2; i++) {
    const posted = await get(url + '/b', { 'accept-encoding': 'br' }, 'POST');
    assert.equal(zlib.brotliDecompressSync(posted.body).toString(), pageB);
  }
  assert.equal(compressedBodies.hits, hitsBefore + 2, 'POST answers are not served from memory');
  assert.equal(compressedBodies.size, sizeBeforePosts, 'nor kept');
});

test('compress: a one-off HTML page gets the HTML preset\'s codes, a JSON answer the JSON preset\'s, other types and a page it fits badly their own', async (t) => {
  const english = '<!DOCTYPE html><main>' + '<li class="entry">an entry of the journal, written after a session</li>\n'.repeat(60) + '</main>';
  const japanese = '<!DOCTYPE html><main>' + '<p>吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。</p>\n'.repeat(40) + '</main>';
  let served = 0;
  const { url } = await compressedRoute(t, {}, (req, res) => {
    const [type, text] = req.url === '/json' ? ['application/problem+json', JSON.stringify({ title: 'an entry of the journal', entries: english.split('\n') })]
      : req.url === '/text' ? ['text/plain', english] : req.url === '/ja' ? ['text/html; charset=utf-8', japanese] : ['text/html; charset=utf-8', english];
    // Each answer unique (a counter at its end, past what templates would take as a hole of a page before).
    const body = Buffer.from(text + `<!-- ${++served} ${'x'.repeat(served % 7)} -->`);
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'private' });
    res.end(body);
  });
  const html = gzipPresetFor('text/html');
  const json = gzipPresetFor('application/json');
  assert.ok(html !== null && json !== null);
  for (const [path, preset] of [['/html', html], ['/json', json], ['/text', null], ['/ja', null]] as const) {
    const res = await get(url + path, { 'accept-encoding': 'gzip' });
    const sent = zlib.gunzipSync(res.body);
    assert.deepEqual(res.body, preset !== null ? presetGzip(sent, preset) : fastGzip(sent), `${path}: ${preset !== null ? 'the preset' : 'its own codes'}`);
    if (preset !== null) assert.notDeepEqual(res.body, fastGzip(sent), `${path}: not its own codes`);
  }
});

test('compress: a page seen for the first time (or never to be kept) gets the one-pass gzip or brotli\'s quality 2, a page served again zlib\'s level 6 or brotli\'s quality 6', async (t) => {
  let served = 0;
  const page = (id: string): string => `<!DOCTYPE html><p id="${id}">` + '<li>an entry of the journal</li>\n'.repeat(120) + '</p>';
  const { url } = await compressedRoute(t, {}, (req, res) => {
    // /unique answers a page never sent before (a token in it), /same the same page every time.
    const body = req.url === '/unique' ? page(`token-${++served}`) : page('same');
    const privatePage = req.url === '/private';
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), ...(privatePage ? { 'cache-control': 'private' } : {}) });
    res.end(body);
  });
  // The pages the same but for their token: the first from the one-pass encoder, the next from the template the
  // first two make (what a GzipTemplates given the same pages gives).
  const templates = new GzipTemplates(1 << 20);
  for (let i = 1; i <= 3; i++) {
    const res = await get(url + '/unique', { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['content-length'], String(res.body.length));
    assert.equal(zlib.gunzipSync(res.body).toString(), page(`token-${i}`));
    const sent = Buffer.from(page(`token-${i}`));
    const templated = templates.gzip('page', sent, zlib.crc32(sent));
    if (i === 1) assert.deepEqual(res.body, htmlOneOff(sent), 'a one-off page: the one-pass encoder');
    else assert.deepEqual(res.body, templated, 'a page like the last but for its token: from their template');
  }
  const strong = zlib.gzipSync(page('same'));
  const forms = [];
  for (let i = 0; i < 3; i++) forms.push((await get(url + '/same', { 'accept-encoding': 'gzip' })).body);
  assert.deepEqual(forms[0], htmlOneOff(Buffer.from(page('same'))), 'its first time, the page is a one-off too');
  assert.deepEqual(forms[1], strong, 'sent again: kept, in zlib\'s level-6 form');
  assert.deepEqual(forms[2], strong, 'and sent from memory as it was kept');
  // A page never to be kept is compressed every time: always the one-pass form.
  for (let i = 0; i < 3; i++) assert.deepEqual((await get(url + '/private', { 'accept-encoding': 'gzip' })).body, htmlOneOff(Buffer.from(page('same'))));
  // brotli likewise: quality 2 for a one-off page (a fifth of quality 6's bytes more, far less CPU), quality 6 kept.
  const oneOffBr = (body: string): Buffer => zlib.brotliCompressSync(body, brotliWholeOptions(Buffer.byteLength(body), ONE_OFF_BROTLI_QUALITY));
  const strongBr = zlib.brotliCompressSync(page('same'), brotliWholeOptions(Buffer.byteLength(page('same'))));
  assert.notDeepEqual(oneOffBr(page('same')), strongBr, 'the two qualities give different bytes for this page');
  const br = await get(url + '/unique', { 'accept-encoding': 'br' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers['content-length'], String(br.body.length));
  assert.equal(zlib.brotliDecompressSync(br.body).toString(), page('token-4'));
  assert.deepEqual(br.body, oneOffBr(page('token-4')), 'a one-off page: brotli at the one-off quality');
  const brForms = [];
  for (let i = 0; i < 3; i++) brForms.push((await get(url + '/same', { 'accept-encoding': 'br' })).body);
  assert.deepEqual(brForms[0], oneOffBr(page('same')), 'its first time in brotli, the page is a one-off');
  assert.deepEqual(brForms[1], strongBr, 'sent again: kept at quality 6');
  assert.deepEqual(brForms[2], strongBr, 'and sent from memory as it was kept');
  for (let i = 0; i < 2; i++) assert.deepEqual((await get(url + '/private', { 'accept-encoding': 'br' })).body, oneOffBr(page('same')), 'never kept: the one-off quality every time');
});

test('compress: a chunked page read whole is compressed in one call like one of known length (Content-Length, the cache, the one-off forms); with trailers, or still coming, it streams', async (t) => {
  let served = 0;
  // Pages of their own: compress's cache is the process's, and other tests here send pages like these.
  const page = (id: string): string => `<!DOCTYPE html><p id="chunked-${id}">` + '<li>an entry of the chunked journal</li>\n'.repeat(120) + '</p>';
  const { url } = await compressedRoute(t, {}, (req, res) => {
    // No Content-Length: node frames the page chunked, the page and the last chunk in one write.
    res.writeHead(200, { 'content-type': 'text/html', ...(req.url === '/trailers' ? { trailer: 'x-checksum' } : {}) });
    if (req.url === '/trailers') res.addTrailers({ 'x-checksum': 'abc123' });
    res.end(req.url === '/unique' ? page(`token-${++served}`) : page('same'));
  });
  const one = await get(url + '/unique', { 'accept-encoding': 'gzip' });
  assert.equal(one.headers['content-length'], String(one.body.length), 'a Content-Length, not chunks');
  assert.deepEqual(one.body, htmlOneOff(Buffer.from(page('token-1'))), 'a one-off page: the one-pass encoder');
  const oneBr = await get(url + '/unique', { 'accept-encoding': 'br' });
  assert.equal(oneBr.headers['content-length'], String(oneBr.body.length));
  assert.deepEqual(oneBr.body, zlib.brotliCompressSync(page('token-2'), brotliWholeOptions(Buffer.byteLength(page('token-2')), ONE_OFF_BROTLI_QUALITY)), 'brotli\'s one-off quality');
  const hitsBefore = compressedBodies.hits;
  const forms = [];
  for (let i = 0; i < 3; i++) forms.push((await get(url + '/same', { 'accept-encoding': 'gzip' })).body);
  assert.deepEqual(forms[0], htmlOneOff(Buffer.from(page('same'))));
  assert.deepEqual(forms[1], zlib.gzipSync(page('same')), 'sent again: kept at zlib\'s level 6');
  assert.deepEqual(forms[2], forms[1]);
  assert.equal(compressedBodies.hits, hitsBefore + 1, 'the third answer came from the cache');
  // Trailers need the chunked framing: that answer streams, and a client that takes trailers gets them.
  const withTrailers = await new Promise<{ headers: http.IncomingHttpHeaders; trailers: NodeJS.Dict<string>; body: Buffer }>((resolve, reject) => {
    http.get(url + '/trailers', { headers: { 'accept-encoding': 'gzip', te: 'trailers' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  assert.equal(withTrailers.headers['content-encoding'], 'gzip');
  assert.equal(withTrailers.headers['content-length'], undefined);
  assert.equal(withTrailers.headers['transfer-encoding'], 'chunked');
  assert.equal(zlib.gunzipSync(withTrailers.body).toString(), page('same'));
  assert.equal(withTrailers.trailers['x-checksum'], 'abc123');
});

test('compress: a body of known length that comes in pieces, in one read, or past the 16 KiB one-call limit decodes to what the backend sent, under concurrent requests', async (t) => {
  // Each page is its own (its path in it), so a body read from memory the upstream connection reused for the
  // next answer, or gathered out of order, decodes to another page.
  const page = (path: string, size: number): string => `<!DOCTYPE html><!--${path}-->` + `<p>${path}</p>`.repeat(Math.ceil(size / (path.length + 7))).slice(0, size);
  const { url } = await compressedRoute(t, {}, (req, res) => {
    const path = req.url ?? '/';
    const size = path.startsWith('/large') ? 40_000 : 4_000;
    const body = Buffer.from(page(path, size));
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length });
    if (path.includes('pieces')) {
      res.write(body.subarray(0, 1000));
      setTimeout(() => { res.write(body.subarray(1000, 2500)); setTimeout(() => res.end(body.subarray(2500)), 5); }, 5);
    } else {
      res.end(body);
    }
  });
  const paths = Array.from({ length: 60 }, (_, i) => ['/one', '/pieces', '/large', '/large-pieces'][i % 4] + `-${i % 7}`);
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all(paths.map(async (path) => ({ path, res: await get(url + path, { 'accept-encoding': round === 1 ? 'br' : 'gzip' }) })));
    for (const { path, res } of answers) {
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-length'], String(res.body.length), path);
      const decoded = res.headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(res.body) : zlib.gunzipSync(res.body);
      assert.equal(decoded.toString(), page(path, path.startsWith('/large') ? 40_000 : 4_000), `${path} round ${round}`);
    }
  }
});
