import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/dynamic/validate.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { CompressedBodyCache, compressedBodies, partitionOf } from '../../../proxy/middlewares/response/compressed-cache.js';
import { compressedRoute } from './compressed-route.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// The production bench's page (4 kB of HTML), with 32 bytes made its own per path: many pages, each the same
// every time it is asked for (the cache keeps a body from its second compression).
const PAGE = readFileSync(new URL('../../../../test/bench/backends/page.html', import.meta.url), 'latin1');
const AT = PAGE.indexOf('Pixelated Empathy helps');

async function withPagePerPath(t: import('node:test').TestContext): Promise<{ url: string; sent: Map<string, Buffer> }> {
  const sent = new Map<string, Buffer>();
  const { url } = await compressedRoute(t, {}, (req, res) => {
    const token = createHash('sha256').update(req.url ?? '').digest('hex').slice(0, 32);
    const body = Buffer.from(PAGE.slice(0, AT) + token + PAGE.slice(AT + 32), 'latin1');
    if (req.url === '/gzip' || req.url === '/br') sent.set(req.url, body);
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length });
    res.end(body);
  });
  return { url, sent };
}

async function fetchPage(url: string, encoding: string): Promise<void> {
  const res = await request(url, { headers: { 'accept-encoding': encoding } });
  assert.equal(res.headers['content-encoding'], encoding);
  await res.body.arrayBuffer();
}

test('compressed cache: a kept compressed form holds only its own bytes, not the 16 kB zlib output buffer it was cut from', async (t) => {
  const { url, sent } = await withPagePerPath(t);
  for (const encoding of ['gzip', 'br']) {
    await fetchPage(`${url}/${encoding}`, encoding);
    await fetchPage(`${url}/${encoding}`, encoding);
    const body = sent.get(`/${encoding}`);
    assert.ok(body !== undefined);
    const partition = partitionOf({ router: 'r@file', host: '127.0.0.1', cookie: undefined, authorization: undefined, clientCertificate: '' });
    const kept = compressedBodies.get(CompressedBodyCache.key(encoding, body, partition));
    assert.ok(kept !== undefined, `${encoding}: the page's compressed form is kept`);
    // The cache counts kept.length against its budget; the memory it keeps alive is the whole ArrayBuffer.
    assert.ok(kept.buffer.byteLength <= kept.length + 64,
      `${encoding}: ${kept.length} bytes kept, ${kept.buffer.byteLength} bytes of ArrayBuffer held alive`);
  }
});

test('compressed cache: memory held by the cache stays near its accounted bytes when it keeps many pages', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { url } = await withPagePerPath(t);
  gc();
  const usedBefore = compressedBodies.usedBytes;
  const buffersBefore = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 1500; i++) {
    await fetchPage(`${url}/p${i}`, i % 2 === 0 ? 'gzip' : 'br');
    await fetchPage(`${url}/p${i}`, i % 2 === 0 ? 'gzip' : 'br');
  }
  gc();
  gc();
  const accounted = compressedBodies.usedBytes - usedBefore;
  const held = process.memoryUsage().arrayBuffers - buffersBefore;
  t.diagnostic(`accounted ${accounted} bytes, ArrayBuffer memory grew by ${held} bytes (${(held / accounted).toFixed(1)}x)`);
  assert.ok(held < 2 * accounted, `the cache accounts ${accounted} bytes but holds ${held} bytes of ArrayBuffers alive`);
});

test('compressed cache: one kept form shared by many concurrent HTTP/2 streams and TLS HTTP/1.1 answers decodes to its page on each', async (t) => {
  const pages = ['/small-a', '/small-b', '/large-a', '/large-b'].map((path) => {
    const size = path.startsWith('/large') ? 40_000 : 5_000;
    let text = '';
    for (let i = 0; text.length < size; i++) text += `${path} line ${i} ${(i * 7919) % 1000}\n`;
    return [path, Buffer.from(text.slice(0, size))] as const;
  });
  const byPath = new Map(pages);
  const backend = await startBackend('pages', (req, res) => {
    const body = byPath.get((req.url ?? '').replace(/^\/buffered/, '')) ?? Buffer.alloc(0);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const { config } = validateDynamicConfig({ http: { middlewares: { c: { compress: {} }, b: { buffering: {} } } } });
  const c = config.http.middlewares.c;
  const b = config.http.middlewares.b;
  assert.ok(c !== undefined && b !== undefined);
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {}, middlewares: ['c'] },
        'rb@file': { rule: 'Host(`a.test`) && PathPrefix(`/buffered`)', service: 'sb', tls: {}, middlewares: ['c', 'b'] },
      },
      services: {
        's@file': { loadBalancer: { servers: [{ url: backend.url }] } },
        'sb@file': { loadBalancer: { servers: [{ url: backend.url }] } },
      },
      middlewares: { 'c@file': c, 'b@file': b },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const session = http2.connect(`https://127.0.0.1:${proxy.port('web')}`, { ca: cert.cert, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const decode = (encoding: string | undefined, data: Buffer): Buffer => encoding === 'br' ? zlib.brotliDecompressSync(data) : encoding === 'gzip' ? zlib.gunzipSync(data) : data;
  const viaH2 = (path: string, encoding: string): Promise<Buffer> => new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':authority': 'a.test', 'accept-encoding': encoding });
    const chunks: Buffer[] = [];
    let got: string | undefined;
    stream.on('response', (h) => { got = h['content-encoding'] as string | undefined; });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve(decode(got, Buffer.concat(chunks))));
    stream.on('error', reject);
  });
  const viaH1 = (path: string, encoding: string): Promise<Buffer> => new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: proxy.port('web'), path, servername: 'a.test', ca: cert.cert, headers: { host: 'a.test', 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve(decode(res.headers['content-encoding'], Buffer.concat(chunks))));
    });
    req.on('error', reject);
    req.end();
  });
  for (let round = 0; round < 3; round++) {
    const checks: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const [path, page] = pages[i % pages.length] as readonly [string, Buffer];
      const encoding = i % 3 === 0 ? 'gzip' : 'br';
      const full = (i % 5 === 0 ? '/buffered' : '') + path;
      const via = i % 2 === 0 ? viaH2 : viaH1;
      checks.push(via(full, encoding).then((got) => assert.ok(got.equals(page), `${full} ${encoding} round ${round}`)));
    }
    await Promise.all(checks);
  }
});
