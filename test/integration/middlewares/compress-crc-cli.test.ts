// compress's one-pass gzip ends its member with the CRC-32 the cache key computed (c7479e4): through the real CLI
// and a real backend, every way a body reaches the compressor gives a gzip member whose trailer is the CRC-32 of
// exactly the bytes sent (gunzip checks it), and the same bytes the encoder gives when it computes the CRC itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { startCliWithDynamic, TempConfigDir } from '../../support/cli-process.js';
import { startBackend } from '../../support/backends.js';
import { oneOffGzip } from '../../../proxy/middlewares/response/compressed-body.js';
import { gzipPresetFor } from '../../../proxy/middlewares/response/gzip-presets.js';

/** compress's one-off gzip of an HTML answer (these tests' backends answer text/html). */
const htmlOneOff = (body: Buffer): Buffer => oneOffGzip(body, gzipPresetFor('text/html'));

/** A page of `size` bytes no other path answers (its path in every line), with repeats the encoder finds. */
function page(path: string, size: number): Buffer {
  let text = '';
  for (let i = 0; text.length < size; i++) text += `<li>${path} entry ${(i * 7919) % 1013}</li>\n`;
  return Buffer.from(text.slice(0, size));
}

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function ask(port: number, path: string, encoding: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false, headers: { 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end();
  });
}

test('compress through the CLI: gzip members end with the CRC-32 of the bytes sent, whether lent, gathered from chunks, large, private, POST or brotli', { timeout: 60_000 }, async (t) => {
  // /<how>/<size>/<n>: `whole` in one write (the body is lent), `pieces` in three writes apart (gathered), `private`
  // with Cache-Control: private (no cache key); any method.
  const backend = await startBackend('pages', (req, res) => {
    const [, how = '', size = '0'] = (req.url ?? '').split('/');
    const body = page(req.url ?? '', Number(size));
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length, ...(how === 'private' ? { 'cache-control': 'private' } : {}) });
    if (how !== 'pieces') return void res.end(body);
    const third = Math.floor(body.length / 3);
    res.write(body.subarray(0, third));
    setTimeout(() => {
      res.write(body.subarray(third, 2 * third));
      setTimeout(() => res.end(body.subarray(2 * third)), 5);
    }, 5);
  });
  t.after(() => backend.close());
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const { port } = await startCliWithDynamic(t, dir, [
    'http:',
    `  services: { app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } } }`,
    '  middlewares: { gz: { compress: {} } }',
    '  routers: { app: { rule: "PathPrefix(`/`)", entryPoints: [web], service: app, middlewares: [gz] } }',
  ].join('\n'));

  let checked = 0;
  for (const how of ['whole', 'pieces', 'private']) {
    for (const size of [1024, 1500, 4096, 16383, 16384, 16385, 40_000, 65_536]) {
      for (const method of ['GET', 'POST']) {
        for (const encoding of ['gzip', 'br']) {
          const path = `/${how}/${size}/${method}-${encoding}`;
          const sent = page(path, size);
          // Asked three times: a one-off, then (GET, not private) kept in zlib's form, then served from memory.
          for (let round = 0; round < 3; round++) {
            const res = await ask(port, path, encoding, method);
            const what = `${method} ${path} round ${round}`;
            assert.equal(res.status, 200, what);
            assert.equal(res.headers['content-encoding'], encoding, what);
            const decoded = encoding === 'gzip' ? zlib.gunzipSync(res.body) : zlib.brotliDecompressSync(res.body);
            assert.ok(decoded.equals(sent), `${what}: the page sent`);
            if (encoding === 'gzip') {
              assert.equal(res.body.readUInt32LE(res.body.length - 8), zlib.crc32(sent), `${what}: the trailer's CRC-32`);
              const oneOff = size <= 16 * 1024 && (round === 0 || how === 'private' || method === 'POST');
              if (oneOff) assert.ok(res.body.equals(htmlOneOff(sent)), `${what}: the one-pass encoder's bytes`);
            }
            checked++;
          }
        }
      }
    }
  }
  t.diagnostic(`${checked} answers decoded and checked`);
});
