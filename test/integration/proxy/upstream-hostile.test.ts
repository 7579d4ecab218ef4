import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { request } from 'undici';
import { startRawBackend } from '../../support/raw-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

// Backends that send what no honest server sends. Each test holds the exact bytes a security review
// used; the client must get its own, well-formed answer (or a 502), and the proxy must keep serving.

async function withProxy(t: { after: (fn: () => Promise<void>) => void }, backendUrl: string, closeBackend: () => Promise<void>) {
  const http = {
    routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } },
    services: { 's@file': { loadBalancer: { servers: [{ url: backendUrl }] } } },
  };
  const proxy = await startProxy(buildInput({ http }));
  t.after(async () => { await proxy.close(0); await closeBackend(); });
  return `http://127.0.0.1:${proxy.port('web')}`;
}

async function get(url: string) {
  // A head that never ends must fail the test, not hang it.
  const res = await request(url, { headersTimeout: 3000, bodyTimeout: 3000 });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('bytes an idle connection received before a request was put on it are never read as that request\'s answer', async (t) => {
  let first: net.Socket | null = null;
  const backend = await startRawBackend((socket, head) => {
    first ??= socket;
    const path = head.split(' ')[1] ?? '';
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
  });
  const base = await withProxy(t, backend.url, backend.close);
  assert.equal((await get(`${base}/first`)).body, '/first');
  const client = net.connect(Number(new URL(base).port), '127.0.0.1');
  t.after(() => client.destroy());
  let text = '';
  client.setEncoding('latin1');
  client.on('data', (c: string) => (text += c));
  await new Promise((r) => client.once('connect', r));
  await sleep(50); // the proxy has accepted this client connection
  // The request and the unrequested answer are both waiting when the proxy's event loop next looks:
  // the request first, so the proxy may pick the kept connection before it reads the poison there.
  client.write('GET /second HTTP/1.1\r\nHost: a.test\r\n\r\n');
  (first as unknown as net.Socket).write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison');
  const until = Date.now() + 30;
  while (Date.now() < until) { /* hold the event loop so both arrive before either is read */ }
  for (let i = 0; i < 100 && !/\r\n\r\n./s.test(text); i++) await sleep(20);
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\/second$/);
});
