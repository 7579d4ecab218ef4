// Large bodies streamed through the proxy: every byte arrives, in order, whatever the framing, the front or
// how slowly the client reads (pe-edge's HTTP/1.1 pool reads into memory it reuses once the client socket wrote
// it out); a client that stops reading stops the backend too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

const MB = 1024 * 1024;
/** Random bytes sent in pieces of varying sizes (some larger than a read buffer, some a few bytes). */
const BLOCK = randomBytes(MB + 7919);
const PIECES = [1, 700, 16 * 1024, 65 * 1024, 200 * 1024, 3, 64 * 1024, 100 * 1024 + 13];

/** Writes `total` bytes of BLOCK (rotating, so no two megabytes look alike) with backpressure; returns their sha256. */
function sendBody(out: http.ServerResponse | http.ClientRequest, total: number, onWritten?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let sent = 0;
  let piece = 0;
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    const pump = (): void => {
      while (sent < total) {
        const size = Math.min(PIECES[piece++ % PIECES.length] as number, total - sent);
        const at = (sent * 31) % (BLOCK.length - size);
        const part = BLOCK.subarray(at, at + size);
        hash.update(part);
        sent += size;
        onWritten?.(sent);
        if (!out.write(part)) return void out.once('drain', pump);
      }
      out.end();
      resolve(hash.digest('hex'));
    };
    pump();
  });
}

interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
}

/** Reads a response, pausing `pauseMs` after every `pauseEvery` bytes (a slow client). */
function readBody(res: http.IncomingMessage, pauseEvery = 0, pauseMs = 0): Promise<Received> {
  const hash = createHash('sha256');
  let bytes = 0;
  let nextPause = pauseEvery;
  return new Promise((resolve, reject) => {
    res.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      if (pauseEvery > 0 && bytes >= nextPause) {
        nextPause += pauseEvery;
        res.pause();
        setTimeout(() => res.resume(), pauseMs);
      }
    });
    res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sha256: hash.digest('hex') }));
    res.once('error', reject);
    res.resume();
  });
}

async function listen(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const route = (url: string) => ({
  routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
  services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
});

test('a 100 MB download (Content-Length) and a 30 MB chunked one arrive byte for byte, read slowly or not', async (t) => {
  const sent: string[] = [];
  const backend = await listen((req, res) => {
    const total = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    if (req.url?.startsWith('/length')) res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    else res.writeHead(200, { 'content-type': 'application/octet-stream' });
    void sendBody(res, total).then((sha) => sent.push(sha));
  });
  const proxy = await startProxy(buildInput({ http: route(backend.url) }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const port = proxy.port('web');
  const get = (path: string, pauseEvery = 0, pauseMs = 0): Promise<Received> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => void readBody(res, pauseEvery, pauseMs).then(resolve, reject)).once('error', reject);
  });

  const length = await get(`/length?size=${100 * MB}`);
  assert.equal(length.status, 200);
  assert.equal(length.headers['content-length'], String(100 * MB));
  assert.equal(length.bytes, 100 * MB);
  assert.equal(length.sha256, sent.shift());

  const slow = await get(`/length?size=${20 * MB}`, 2 * MB, 30);
  assert.equal(slow.bytes, 20 * MB);
  assert.equal(slow.sha256, sent.shift());

  const chunked = await get(`/chunked?size=${30 * MB}`, 3 * MB, 20);
  assert.equal(chunked.headers['transfer-encoding'], 'chunked');
  assert.equal(chunked.bytes, 30 * MB);
  assert.equal(chunked.sha256, sent.shift());
});

test('a 100 MB upload streams byte for byte, and a 30 MB body echoed back comes back whole (lean front, Content-Length)', async (t) => {
  const backend = await listen((req, res) => {
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => { hash.update(c); bytes += c.length; });
    req.on('end', () => res.end(`${bytes} ${hash.digest('hex')}`));
  });
  const proxy = await startProxy(buildInput({ http: route(backend.url) }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const port = proxy.port('web');
  const post = (path: string, size: number, pauseEvery = 0): Promise<{ sent: string; got: Received; text: string }> => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { 'content-length': String(size) } }, (res) => {
      if (path === '/echo') {
        void Promise.all([sending, readBody(res, pauseEvery, 20)]).then(([sent, got]) => resolve({ sent, got, text: '' }), reject);
      } else {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (text += c));
        res.once('end', () => void sending.then((sent) => resolve({ sent, got: { status: res.statusCode ?? 0, headers: res.headers, bytes: 0, sha256: '' }, text }), reject));
      }
    });
    req.once('error', reject);
    const sending = sendBody(req, size);
  });

  const upload = await post('/upload', 100 * MB);
  assert.equal(upload.got.status, 200);
  assert.equal(upload.text, `${100 * MB} ${upload.sent}`);

  const echo = await post('/echo', 30 * MB, 3 * MB);
  assert.equal(echo.got.status, 200);
  assert.equal(echo.got.bytes, 30 * MB);
  assert.equal(echo.got.sha256, echo.sent);
});

test('a client that stops reading a 100 MB download stops the backend too (backpressure), then gets every byte', async (t) => {
  let written = 0;
  let sent: Promise<string> | null = null;
  const backend = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(100 * MB) });
    sent = sendBody(res, 100 * MB, (bytes) => (written = bytes));
  });
  const proxy = await startProxy(buildInput({ http: route(backend.url) }));
  t.after(async () => { await proxy.close(0); await backend.close(); });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: proxy.port('web'), path: '/', agent: false }, resolve).once('error', reject);
  });
  res.pause();
  // Let the pipe fill: the backend can only get as far as the socket buffers on the way (loopback's grow to a
  // few MB each) and what pe-edge holds.
  let before = -1;
  for (let i = 0; i < 50 && written !== before; i++) {
    before = written;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(written, before, 'the backend stopped writing while the client did not read');
  assert.ok(written < 40 * MB, `the backend wrote ${(written / MB).toFixed(1)} MB of 100 MB to a client that read nothing`);
  const got = await readBody(res);
  assert.equal(got.bytes, 100 * MB);
  assert.equal(got.sha256, await (sent as unknown as Promise<string>));
});
