import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { exchange } from './child.js';

// Review finding (Traefik parity, low): heads Go's server refuses before any handler are answered with
// node's bytes (Http1Pipeline REFUSALS, the lean front's 408), not Go's. Go (net/http conn.serve) writes
// "HTTP/1.1 <status>\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n<status>", and
// writes nothing at all when the head times out (isCommonNetReadError).

async function proxy(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const edge = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
      services: { 's@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }] } } },
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 1000, maxHeaderBytes: 4096 })]);
  t.after(() => edge.close(0));
  return edge.port('web');
}

const go = (status: string) => `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`;

test('a malformed header line gets Go\'s 400 bytes', async (t) => {
  const port = await proxy(t);
  assert.equal(await exchange(port, 'GET /x HTTP/1.1\r\nHost: a.test\r\nBad Header\r\n\r\n'), go('400 Bad Request'));
});

test('a head over maxHeaderBytes gets Go\'s 431 bytes', async (t) => {
  const port = await proxy(t);
  assert.equal(await exchange(port, `GET /x HTTP/1.1\r\nHost: a.test\r\nX-Big: ${'a'.repeat(8192)}\r\n\r\n`), go('431 Request Header Fields Too Large'));
});

test('a head that does not finish within readTimeout: the connection closes without an answer, as Go\'s', async (t) => {
  const port = await proxy(t);
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (got += c)).on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET /x HTTP/1.1\r\nHost: a.test\r\n');
  await new Promise((resolve) => { const timer = setTimeout(resolve, 5000); socket.once('close', () => { clearTimeout(timer); resolve(null); }); });
  socket.destroy();
  assert.equal(got, '');
});
