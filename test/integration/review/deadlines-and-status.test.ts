import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { exchange, sleep, echoBackend } from './child.js';

// Review findings: request bodies that escape respondingTimeouts.readTimeout, and a 101 answered with 502.

const READ_TIMEOUT = 1000;

async function proxyTo(t: { after: (fn: () => Promise<void>) => void }, url: string, tlsRouter = false) {
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', ...(tlsRouter ? { tls: {} } : {}) } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: READ_TIMEOUT, idleTimeout: 1500 })]);
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

test('readTimeout cuts an HTTP/2 request body that trickles (Go\'s http2 server resets the stream at ReadTimeout)', async (t) => {
  const port = await proxyTo(t, await echoBackend(t), true);
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'a.test' });
  stream.on('error', () => undefined);
  let outcome = 'open';
  stream.on('response', (h) => (outcome = `status ${String(h[':status'])}`));
  stream.on('close', () => (outcome += ` closed (rst ${stream.rstCode})`));
  // One body byte every 300 ms for 4.5 s: the session is never idle, the body never ends.
  const started = Date.now();
  while (Date.now() - started < 4500 && !stream.closed) {
    stream.write('x');
    await sleep(300);
  }
  assert.ok(stream.closed, `the stream is still ${outcome} ${Date.now() - started} ms after its head, with readTimeout ${READ_TIMEOUT} ms`);
});

test('readTimeout cuts an HTTP/2 request whose body never comes, even while the client sends PINGs', async (t) => {
  const port = await proxyTo(t, await echoBackend(t), true);
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'a.test' });
  stream.on('error', () => undefined);
  const started = Date.now();
  while (Date.now() - started < 4500 && !stream.closed) {
    session.ping(() => undefined);
    await sleep(300);
  }
  assert.ok(stream.closed, `the stream is still open ${Date.now() - started} ms after its head, with readTimeout ${READ_TIMEOUT} ms`);
});

test('readTimeout cuts a trickled body of a request that carries Upgrade (served as a plain request)', async (t) => {
  const port = await proxyTo(t, await echoBackend(t));
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  socket.write('POST /x HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 100\r\n\r\n');
  const started = Date.now();
  while (Date.now() - started < 4500 && !socket.destroyed) {
    socket.write('x');
    await sleep(300);
  }
  assert.ok(socket.destroyed, `the connection is still open ${Date.now() - started} ms after its head, with readTimeout ${READ_TIMEOUT} ms`);
});

test('a 101 answering a request that asked for no upgrade gets Traefik\'s 500 (as forwarder.ts says), not 502', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'));
  t.after(() => backend.close());
  const port = await proxyTo(t, backend.url);
  const answer = await exchange(port, 'GET /x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 500 Internal Server Error\r\n[\s\S]*\r\n\r\nInternal Server Error$/);
});
