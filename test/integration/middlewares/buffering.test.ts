import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { bufferedMemoryBytes, SPOOL_FILE_PREFIX } from '../../../proxy/middlewares/body-spool.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// Spool files go to os.tmpdir(): a directory of this file's own, so what it sees is its proxy's, and it goes at the end.
const spoolDir = mkdtempSync(join(tmpdir(), 'pe-edge-buffering-test-'));
const previousTmpdir = process.env.TMPDIR;
process.env.TMPDIR = spoolDir;
after(() => {
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;
  rmSync(spoolDir, { recursive: true, force: true });
});

function spoolFiles(): string[] {
  return readdirSync(spoolDir).filter((name) => name.startsWith(SPOOL_FILE_PREFIX));
}

async function until(what: string, condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** After a request is over: no spool file left, and no body bytes still counted in memory. */
async function allFreed(): Promise<void> {
  await until('the spool files to be deleted', () => spoolFiles().length === 0);
  await until('buffered memory to be released', () => bufferedMemoryBytes() === 0);
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A backend with `handler` behind the real proxy, one router through buffering with `options`
 * (or through the middlewares of `chain`, in order, when given).
 */
async function bufferedProxy(t: { after: (fn: () => Promise<void>) => void }, options: Record<string, unknown>, handler: Handler, chain?: Record<string, unknown>[]): Promise<{ url: string; port: number }> {
  const backend = http.createServer(handler);
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const raw = Object.fromEntries((chain ?? [{ buffering: options }]).map((m, i) => [`m${i}`, m]));
  const { config, issues } = validateDynamicConfig({ http: { middlewares: raw } });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: Object.keys(raw) } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
      middlewares: Object.fromEntries(Object.entries(config.http.middlewares).map(([name, m]) => [`${name}@file`, m])),
    },
  }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  return { url: `http://127.0.0.1:${port}/`, port };
}

/** `size` bytes that are not all alike, in `chunk`-byte pieces, and their sha256. */
function patterned(size: number, chunk = 65536): { chunks: Buffer[]; sha: string } {
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += chunk) {
    const piece = Buffer.alloc(Math.min(chunk, size - at));
    for (let i = 0; i + 4 <= piece.length; i += 4) piece.writeUInt32LE(((at + i) * 2654435761) >>> 0, i);
    chunks.push(piece);
    hash.update(piece);
  }
  return { chunks, sha: hash.digest('hex') };
}

/** Reads a request body into its length and sha256. */
function digest(req: http.IncomingMessage): Promise<{ length: number; sha: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => { length += c.length; hash.update(c); });
    req.once('end', () => resolve({ length, sha: hash.digest('hex') }));
    req.once('error', reject);
  });
}

test('buffering: a request body above memRequestBodyBytes is spooled to a 0600 file, reaches the backend byte-exact, and the file goes', async (t) => {
  const body = patterned(3 * 1024 * 1024 + 17);
  const seenFiles: string[][] = [];
  const { url } = await bufferedProxy(t, { memRequestBodyBytes: 65536 }, (req, res) => {
    // The backend gets the request only once the proxy has the whole body: the spool is there now.
    const files = spoolFiles();
    seenFiles.push(files.map((f) => (statSync(join(spoolDir, f)).mode & 0o777).toString(8)));
    void digest(req).then((d) => res.end(JSON.stringify({ ...d, contentLength: req.headers['content-length'], chunked: req.headers['transfer-encoding'] ?? null })));
  });
  // Chunked from the client: the proxy sends it upstream with its Content-Length.
  const res = await request(url, { method: 'POST', body: Readable.from(body.chunks) });
  assert.equal(res.statusCode, 200);
  const seen = await res.body.json() as { length: number; sha: string; contentLength: string; chunked: string | null };
  assert.deepEqual(seen, { length: body.chunks.reduce((n, c) => n + c.length, 0), sha: body.sha, contentLength: String(3 * 1024 * 1024 + 17), chunked: null });
  assert.deepEqual(seenFiles, [['600']], 'one spool file, mode 0600, while the request was under way');
  await allFreed();
});

test('buffering: a small request body stays in memory (no file) and reaches the backend whole', async (t) => {
  let filesDuring = -1;
  const { url } = await bufferedProxy(t, {}, (req, res) => {
    filesDuring = spoolFiles().length;
    void digest(req).then((d) => res.end(String(d.length)));
  });
  const res = await request(url, { method: 'POST', body: 'x'.repeat(1000) });
  assert.equal(await res.body.text(), '1000');
  assert.equal(filesDuring, 0);
  await allFreed();
});

test('buffering: the spool file goes when the upstream fails on the spooled request (502)', async (t) => {
  const body = patterned(2 * 1024 * 1024);
  let filesDuring = -1;
  const { url } = await bufferedProxy(t, { memRequestBodyBytes: 65536 }, (req) => {
    filesDuring = spoolFiles().length;
    req.socket.destroy();
  });
  const res = await request(url, { method: 'POST', body: Readable.from(body.chunks) });
  assert.equal(res.statusCode, 502);
  await res.body.text();
  assert.equal(filesDuring, 1);
  await allFreed();
});

test('buffering: the spool file goes when the client gives up in the middle of its upload', async (t) => {
  let reachedBackend = false;
  const { port } = await bufferedProxy(t, { memRequestBodyBytes: 65536 }, (_req, res) => { reachedBackend = true; res.end(); });
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 8388608\r\n\r\n');
  socket.write(Buffer.alloc(1024 * 1024, 1));
  await until('the upload to spill to disk', () => spoolFiles().length === 1);
  socket.destroy();
  await allFreed();
  assert.equal(reachedBackend, false);
});

test('buffering: a spooled request over maxRequestBodyBytes answers 413 and leaves no file', async (t) => {
  const body = patterned(3 * 1024 * 1024);
  const { url } = await bufferedProxy(t, { memRequestBodyBytes: 65536, maxRequestBodyBytes: 2 * 1024 * 1024 }, (_req, res) => res.end('reached'));
  const res = await request(url, { method: 'POST', body: Readable.from(body.chunks) }).catch(() => null);
  // The proxy answers before the client finished sending, then closes: undici may see either.
  if (res !== null) {
    assert.equal(res.statusCode, 413);
    assert.equal(await res.body.text(), 'Request Entity Too Large');
  }
  await allFreed();
});

test('buffering: a response above memResponseBodyBytes is spooled, reaches the client byte-exact with its length, and the file goes', async (t) => {
  const body = patterned(3 * 1024 * 1024 + 5);
  const { url } = await bufferedProxy(t, { memResponseBodyBytes: 65536 }, (_req, res) => {
    // Chunked from the backend, slowly enough that the proxy must hold what came so far.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-backend': 'b' });
    Readable.from(body.chunks).pipe(res);
  });
  const res = await request(url);
  // Headers reach the client only once the whole body is held: the spool file exists now.
  assert.equal(spoolFiles().length, 1);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-backend'], 'b');
  assert.equal(res.headers['content-length'], String(3 * 1024 * 1024 + 5), 'the held answer goes out with its length');
  const hash = createHash('sha256');
  for await (const chunk of res.body) hash.update(chunk as Buffer);
  assert.equal(hash.digest('hex'), body.sha);
  await allFreed();
});

test('buffering: maxResponseBodyBytes answers 500 for a larger response and passes a smaller one', async (t) => {
  const { url } = await bufferedProxy(t, { memResponseBodyBytes: 65536, maxResponseBodyBytes: 1024 * 1024 }, (req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    res.writeHead(200, { 'content-length': String(size) });
    res.end(Buffer.alloc(size, 7));
  });
  const big = await request(`${url}?size=${2 * 1024 * 1024}`);
  assert.equal(big.statusCode, 500);
  assert.equal(await big.body.text(), 'Internal Server Error');
  const exact = await request(`${url}?size=${1024 * 1024}`);
  assert.equal(exact.statusCode, 200);
  assert.equal((await exact.body.arrayBuffer()).byteLength, 1024 * 1024);
  await allFreed();
});

test('buffering: the response spool goes when the upstream dies in the middle of its answer (502)', async (t) => {
  const { url } = await bufferedProxy(t, { memResponseBodyBytes: 65536 }, (_req, res) => {
    res.writeHead(200, { 'content-length': String(4 * 1024 * 1024) });
    res.write(Buffer.alloc(2 * 1024 * 1024, 3), () => {
      const check = setInterval(() => {
        if (spoolFiles().length === 0) return;
        clearInterval(check);
        res.socket?.destroy();
      }, 10);
    });
  });
  const res = await request(url);
  assert.equal(res.statusCode, 502, 'nothing was sent yet: the client gets a clean 502, not a cut body');
  await res.body.text();
  await allFreed();
});

test('buffering: the response spool goes, and the upstream is let go, when the client leaves while the answer is held', async (t) => {
  let upstreamClosed = false;
  const { port } = await bufferedProxy(t, { memResponseBodyBytes: 65536 }, (_req, res) => {
    res.writeHead(200, { 'content-length': String(8 * 1024 * 1024) });
    res.write(Buffer.alloc(1024 * 1024, 5));
    res.once('close', () => { upstreamClosed = true; });
  });
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
  await until('the answer to spill to disk', () => spoolFiles().length === 1);
  socket.destroy();
  await allFreed();
  await until('the upstream request to be aborted', () => upstreamClosed);
});

for (const order of ['compress, buffering', 'buffering, compress']) {
  test(`buffering with compress (${order}): the held answer goes out compressed and whole`, async (t) => {
    const body = patterned(2 * 1024 * 1024);
    const chain = order.split(', ').map((name) => (name === 'compress' ? { compress: {} } : { buffering: { memResponseBodyBytes: 65536 } }));
    const { url } = await bufferedProxy(t, {}, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      Readable.from(body.chunks).pipe(res);
    }, chain);
    const res = await request(url, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    const compressed = Buffer.from(await res.body.arrayBuffer());
    assert.equal(createHash('sha256').update(gunzipSync(compressed)).digest('hex'), body.sha);
    await allFreed();
  });
}

test('buffering over HTTP/2: a spooled upload and a spooled answer arrive byte-exact, and the files go', async (t) => {
  const upload = patterned(2 * 1024 * 1024 + 3);
  const answer = patterned(3 * 1024 * 1024 + 1);
  const backend = http.createServer((req, res) => {
    void digest(req).then((d) => {
      res.writeHead(200, { 'x-upload': `${d.length}:${d.sha}` });
      Readable.from(answer.chunks).pipe(res);
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const { config } = validateDynamicConfig({ http: { middlewares: { b: { buffering: { memRequestBodyBytes: 65536, memResponseBodyBytes: 65536 } } } } });
  const middleware = config.http.middlewares.b;
  assert.ok(middleware !== undefined);
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {}, middlewares: ['b'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
      middlewares: { 'b@file': middleware },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }));
  t.after(() => proxy.close(0));
  const session = http2.connect(`https://127.0.0.1:${proxy.port('web')}`, { ca: cert.cert, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/', ':authority': 'a.test' });
  Readable.from(upload.chunks).pipe(stream);
  const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => { stream.once('response', resolve); stream.once('error', reject); });
  assert.equal(head[':status'], 200);
  assert.equal(head['x-upload'], `${2 * 1024 * 1024 + 3}:${upload.sha}`);
  assert.equal(head['content-length'], String(3 * 1024 * 1024 + 1));
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  assert.equal(hash.digest('hex'), answer.sha);
  await allFreed();
});

test('buffering: a 200 MiB upload without maxRequestBodyBytes does not grow memory with its size', { timeout: 120_000 }, async (t) => {
  const size = 200 * 1024 * 1024;
  const { url } = await bufferedProxy(t, {}, (req, res) => {
    void digest(req).then((d) => res.end(JSON.stringify(d)));
  });
  // One 64 KiB piece sent again and again: the client itself holds almost nothing.
  const piece = patterned(65536).chunks[0] as Buffer;
  const expected = createHash('sha256');
  for (let sent = 0; sent < size; sent += piece.length) expected.update(piece);
  async function* upload(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size; sent += piece.length) yield piece;
  }
    const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const res = await request(url, { method: 'POST', body: Readable.from(upload()), headers: { 'content-length': String(size) } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { length: size, sha: expected.digest('hex') });
  } finally {
    clearInterval(sampler);
  }
  const growthMiB = (peak - before) / 1024 / 1024;
  t.diagnostic(`RSS growth during a 200 MiB upload: ${growthMiB.toFixed(1)} MiB`);
  // Before spooling, the proxy held the whole body (and a copy of it): growth was above 200 MiB.
  assert.ok(growthMiB < 64, `RSS grew by ${growthMiB.toFixed(0)} MiB for a 200 MiB upload`);
  await allFreed();
});
