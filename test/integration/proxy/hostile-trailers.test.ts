// Fields an upstream puts in its trailers or repeats in its head, relayed to HTTP/2 and HTTP/1.1 clients. node's
// HTTP/2 throws on connection-specific fields and on a repeated single-value one; in a trailer block it throws from
// its 'wantTrailers' event, past every handler, which ended the process. Go relays only the trailers a handler may
// send (httpguts.ValidTrailerHeader) and leaves connection-specific fields out of HTTP/2 blocks.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TRANSPORT } from '../../../proxy/index.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

/**
 * An https:// server speaking HTTP/1.1 (ALPN http/1.1, so pe-edge reaches it through undici, which relays trailers):
 * `/t` answers a chunked body `hello` whose trailer section is `trailers`; any other path answers `head` and `hello`.
 */
async function startEdgeBefore(t: TestContext, answer: { trailers?: string; head?: string }): Promise<number> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('backend.test', ['backend.test']);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: cert.cert, key: cert.key, ALPNProtocols: ['http/1.1'] }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const path = pending.split(' ')[1];
        pending = pending.slice(end + 4);
        socket.write(path === '/t'
          ? `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n${answer.trailers ?? ''}\r\n`
          : `HTTP/1.1 200 OK\r\n${answer.head ?? ''}Content-Length: 5\r\n\r\nhello`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }], serversTransport: 't' } } },
      serversTransports: { 't@file': { ...DEFAULT_TRANSPORT, rootCAs: [cert.certFile], serverName: 'backend.test' } },
    },
  }));
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  trailers: http2.IncomingHttpHeaders;
  rstCode: number | undefined;
}

/** A GET over h2c (prior knowledge) on the plain entrypoint. */
function h2cGet(t: TestContext, port: number, path: string): Promise<H2Answer> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.destroy());
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    let body = '';
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('error', reject);
    stream.on('close', () => resolve({ status: Number(headers[':status']), headers, body, trailers, rstCode: stream.rstCode }));
  });
}

/** A GET over HTTP/1.1 sent with `TE: trailers`: the raw answer, read until the connection is closed or idle. */
function http1WithTrailers(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const done = (): void => {
      socket.destroy();
      resolve(out);
    };
    let idle = setTimeout(done, 1000);
    socket.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1');
      clearTimeout(idle);
      idle = setTimeout(done, 200);
    });
    socket.on('close', done).on('error', done);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: a.test\r\nTE: trailers\r\n\r\n`);
  });
}

test('connection-specific trailers from an upstream never reach an HTTP/2 client, and end no process', async (t) => {
  const port = await startEdgeBefore(t, { trailers: 'Keep-Alive: timeout=5\r\nTE: gzip\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nGrpc-Status: 0\r\n' });
  for (const path of ['/t', '/t']) {
    const answer = await h2cGet(t, port, path);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'hello');
    assert.equal(answer.rstCode, 0, 'the stream ends cleanly');
    assert.deepEqual(Object.fromEntries(Object.entries(answer.trailers)), { 'grpc-status': '0' });
  }
});

test('a single-value trailer the upstream repeats reaches an HTTP/2 client once, with its first value', async (t) => {
  const port = await startEdgeBefore(t, { trailers: 'ETag: "a"\r\nETag: "b"\r\nX-Sum: 1\r\nX-Sum: 2\r\n' });
  const answer = await h2cGet(t, port, '/t');
  assert.equal(answer.rstCode, 0);
  assert.equal(answer.trailers.etag, '"a"');
  assert.equal(answer.trailers['x-sum'], '1, 2', 'a list field keeps every value');
});

test('trailers Go never relays (Authorization, Cache-Control, Trailer, hop-by-hop) reach neither HTTP/2 nor HTTP/1.1 clients', async (t) => {
  const port = await startEdgeBefore(t, { trailers: 'Authorization: Basic c2VjcmV0\r\nCache-Control: no-store\r\nTrailer: X\r\nKeep-Alive: timeout=1\r\nGrpc-Status: 7\r\n' });
  const h2 = await h2cGet(t, port, '/t');
  assert.deepEqual(Object.fromEntries(Object.entries(h2.trailers)), { 'grpc-status': '7' });
  const h1 = await http1WithTrailers(port, '/t');
  assert.match(h1, /\r\n5\r\nhello\r\n0\r\ngrpc-status: 7\r\n\r\n$/, h1);
});

test('a head repeating a single-value field reaches an HTTP/2 client with its first value, not as an empty stream', async (t) => {
  const port = await startEdgeBefore(t, { head: 'Content-Type: text/plain\r\nContent-Type: text/html\r\nETag: "a"\r\nETag: "b"\r\n' });
  const answer = await h2cGet(t, port, '/x');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'text/plain');
  assert.equal(answer.headers.etag, '"a"');
  assert.equal(answer.body, 'hello');
});
