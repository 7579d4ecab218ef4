// How many fields an HTTP/2 header list may hold, both ways. node caps them at 128 by default and resets the stream
// past it (ENHANCE_YOUR_CALM); Go bounds a list by its bytes only (http.maxHeaderBytes from clients, 10 MB from
// servers). Browsers send each cookie as a field of its own over HTTP/2, so 128 was a real limit.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { proxyPortInFrontOf } from '../../support/proxy-fixture.js';

async function listen(t: TestContext, server: http.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // pe-edge keeps its upstream connections: they are cut, not waited for.
  const sockets = new Set<{ destroy(): void }>();
  server.on('connection', (socket: { destroy(): void }) => sockets.add(socket));
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

/** A request over h2c to pe-edge: the answer's status, headers and body. */
function h2cRequest(t: TestContext, port: number, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  // node's client takes 128 fields by default; this one reads the whole answer.
  const session = http2.connect(`http://127.0.0.1:${port}`, { maxHeaderListPairs: 1000 });
  t.after(() => session.destroy());
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let head: http2.IncomingHttpHeaders = {};
    let body = '';
    stream.on('response', (h) => (head = h));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('error', reject);
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, body }));
  });
}

test('an HTTP/2 client sending 300 cookie fields (as browsers send cookies) is served, every cookie relayed', async (t) => {
  const backend = http.createServer((req, res) => res.end(String(req.headers.cookie?.split('; ').length)));
  const port = await proxyPortInFrontOf(t, `http://127.0.0.1:${await listen(t, backend)}`);
  const answer = await h2cRequest(t, port, { ':path': '/', cookie: Array.from({ length: 300 }, (_, i) => `c${i}=v`) });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, '300');
});

test('an h2c:// server answering with 300 header fields reaches the client whole', async (t) => {
  const backend = http2.createServer((_req, res) => {
    for (let i = 0; i < 300; i++) res.setHeader(`x-field-${i}`, 'v');
    res.end('ok');
  });
  const port = await proxyPortInFrontOf(t, `h2c://127.0.0.1:${await listen(t, backend)}`);
  const answer = await h2cRequest(t, port, { ':path': '/' });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'ok');
  assert.equal(Object.keys(answer.headers).filter((name) => name.startsWith('x-field-')).length, 300);
});
