import { test } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { startChild, exchange, sleep, echoBackend } from './child.js';

// Review findings: one request on an `Upgrade` path ends the whole process (no error handler catches it).

async function proxyFor(t: { after: (fn: () => Promise<void> | void) => void }, backend: string, early?: string) {
  const child = await startChild({
    http: {
      routers: {
        'public@file': { rule: 'PathPrefix(`/public`)', service: 'e' },
        'mw@file': { rule: 'PathPrefix(`/mw`)', service: 'e', middlewares: ['hdr'] },
        'buf@file': { rule: 'PathPrefix(`/buf`)', service: 'e', middlewares: ['buf'] },
        'early@file': { rule: 'PathPrefix(`/early`)', service: 'early' },
        'tlspublic@file': { rule: 'PathPrefix(`/public`)', service: 'e', tls: {} },
      },
      services: {
        'e@file': { loadBalancer: { servers: [{ url: backend }] } },
        'early@file': { loadBalancer: { servers: [{ url: early ?? backend }] } },
      },
      middlewares: { hdr: { headers: { customResponseHeaders: { 'X-Hdr': 'yes' } } }, buf: { buffering: {} } },
    },
  });
  t.after(() => child.stop());
  return child;
}

async function assertStillServing(child: Awaited<ReturnType<typeof startChild>>): Promise<void> {
  await sleep(200);
  assert.equal(child.exited(), null, 'pe-edge exited:\n' + child.stderr());
  const after = await exchange(child.port, 'GET /public/ok HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
  assert.match(after, /^HTTP\/1\.1 200 OK\r\n[\s\S]*echo \/public\/ok$/);
}

test('an upgrade request with a malformed chunked body, on a router with a kept upstream connection, does not end the process', async (t) => {
  const child = await proxyFor(t, await echoBackend(t));
  // A kept connection makes the pool hand it out a turn later, after the body stream has already failed
  // with no 'error' listener (DetachedRequestBody destroys itself from its constructor).
  assert.match(await exchange(child.port, 'GET /public/prime HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  const answer = await exchange(child.port,
    'POST /public/x HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
  assert.doesNotMatch(answer, /^HTTP\/1\.1 200/);
  await assertStillServing(child);
});

test('an upgrade request pipelined behind a request node:http serves (plain) does not end the process', async (t) => {
  const child = await proxyFor(t, await echoBackend(t));
  const answer = await exchange(child.port,
    'GET /mw/first HTTP/1.1\r\nHost: a.test\r\n\r\nGET /public/second HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*echo \/mw\/first/);
  await assertStillServing(child);
});

test('an upgrade request pipelined behind another on TLS HTTP/1.1 does not end the process', async (t) => {
  const child = await proxyFor(t, await echoBackend(t));
  const answer = await exchange(child.port,
    'GET /public/first HTTP/1.1\r\nHost: a.test\r\n\r\nGET /public/second HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { tlsOn: true });
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*echo \/public\/first/);
  await assertStillServing(child);
});

test('an upgrade request with a malformed chunked body on a buffering router does not end the process', async (t) => {
  const child = await proxyFor(t, await echoBackend(t));
  // buffering pipes the body into its spool; pipe() adds no 'error' listener on the source.
  const answer = await exchange(child.port,
    'POST /buf/x HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  assert.doesNotMatch(answer, /^HTTP\/1\.1 200/);
  await assertStillServing(child);
});

test('a client that closes mid-body after the backend answered an upgrade request with a body does not end the process', async (t) => {
  // The backend answers as soon as it has the head, without reading the body (as many do for a 4xx).
  const early = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly'));
  });
  await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => early.close(() => resolve())));
  const child = await proxyFor(t, await echoBackend(t), `http://127.0.0.1:${(early.address() as AddressInfo).port}`);
  const socket = net.connect(child.port, '127.0.0.1');
  socket.on('error', () => undefined);
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (answer += c));
  await new Promise((r) => socket.once('connect', r));
  socket.write('POST /early/x HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 100\r\n\r\nhello');
  await sleep(300);
  socket.end('more'); // 9 of 100 bytes, then FIN
  await sleep(300);
  socket.destroy();
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*early$/);
  await assertStillServing(child);
});
