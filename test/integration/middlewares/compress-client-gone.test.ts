// A client that leaves in the middle of a compressed answer: the compressor streaming it is destroyed then, and
// its memory (a brotli window is several MB) freed at once. Before, nothing closed it and only the garbage collector
// did, whenever it ran: 150 such answers through brotli left pe-edge's RSS at 690 MB. The compressors are seen by
// wrapping node:zlib's factories in this test's process (the streams themselves are node's own, untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { compressedRoute } from './compressed-route.js';
import { zstd } from '../../../proxy/middlewares/response/zstd.js';

const CHUNK = Buffer.alloc(64 * 1024, '<p>Pixelated Empathy: support that listens.</p>\n');

function isFactory(value: unknown): value is (...args: unknown[]) => Transform {
  return typeof value === 'function';
}

/** Every compressor stream node:zlib makes from now on, as compress makes them. */
const made: Transform[] = [];
for (const factory of ['createGzip', 'createBrotliCompress', 'createZstdCompress']) {
  const original: unknown = Reflect.get(zlib, factory);
  if (!isFactory(original)) continue;
  Object.defineProperty(zlib, factory, {
    value: (...args: unknown[]): Transform => {
      const stream = original(...args);
      made.push(stream);
      return stream;
    },
  });
}

/** Reads the first bytes of a compressed answer, then closes the connection. */
function readSomeThenLeave(url: string, encoding: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'accept-encoding': encoding }, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(res.headers['content-encoding']);
      });
    });
    req.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

for (const encoding of ['br', 'gzip', ...(zstd !== null ? ['zstd'] : [])]) {
  test(`compress: a client gone mid-answer closes its ${encoding} compressor at once, with or without a Content-Length`, async (t) => {
    const backendsOpen = new Set<http.ServerResponse>();
    const { url } = await compressedRoute(t, {}, (req, res) => {
      // A long answer that keeps coming, a chunk every 10 ms, until the proxy stops reading it: 8 MiB, declared or
      // chunked. (An answer that ended on its own would end its compressor too.)
      const declared = req.url === '/declared';
      res.writeHead(200, { 'content-type': 'text/html', ...(declared ? { 'content-length': String(128 * CHUNK.length) } : {}) });
      backendsOpen.add(res);
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return void clearInterval(timer);
        res.write(CHUNK);
        if (++sent === 128) {
          clearInterval(timer);
          res.end();
        }
      }, 10);
      res.once('close', () => backendsOpen.delete(res));
    });
    const first = made.length;
    for (const path of ['/declared', '/chunked']) {
      const answered = await Promise.all(Array.from({ length: 4 }, () => readSomeThenLeave(url + path, encoding)));
      assert.deepEqual(answered, [encoding, encoding, encoding, encoding], path);
    }
    const ours = made.slice(first);
    assert.equal(ours.length, 8, 'one streaming compressor per answer');
    const open = (): number => ours.filter((s) => !s.destroyed).length;
    assert.ok(await until(() => open() === 0, 2000), `${open()} of 8 ${encoding} compressors still open after their clients left`);
    assert.ok(await until(() => backendsOpen.size === 0, 2000), 'the upstream answers are aborted');
  });
}
