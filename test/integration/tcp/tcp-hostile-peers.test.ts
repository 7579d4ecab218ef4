import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { certificateFor, connectPlain, echoServer, firstData, listenTcp, slowSilentTlsServer, tcpInput } from '../../support/tcp-backends.js';
import { captureClientHello } from '../../support/client-hello-capture.js';
import { POSTGRES_SSL_REQUEST } from '../../../proxy/tcp/postgres-starttls.js';

// Clients and servers that misbehave at the worst moment, against a real pe-edge on loopback.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a client that resets while its server is being dialled does not leave the server connection open', async (t) => {
  // Dialling takes 300 ms (TLS to the server); the server then waits for the client to speak, which it never will.
  const server = await slowSilentTlsServer('db.test', 300);
  t.after(() => server.close());
  // An HTTPS router on the entrypoint makes pe-edge read the client's first bytes before choosing the TCP router.
  const proxy = await startProxy({
    ...buildInput({ http: {
      routers: { 'web@file': { rule: 'Host(`web.test`)', service: 'web', tls: {} } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } },
    } }),
    tcp: tcpInput({
      routers: { 'db@file': { rule: 'HostSNI(`*`)', service: 'db' } },
      services: { 'db@file': { loadBalancer: { serversTransport: 'trusting', servers: [{ address: server.address, tls: true }] } } },
      serversTransports: { 'trusting@file': { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 100, tls: { insecureSkipVerify: true, rootCAs: [], certificates: [] } } },
    }),
  });
  t.after(() => proxy.close(0));
  const client = net.connect(proxy.port('web'), '127.0.0.1');
  client.on('error', () => {});
  await new Promise((r) => client.once('connect', r));
  client.write('PING\r\n');
  await sleep(100);
  client.resetAndDestroy();
  await sleep(1000);
  assert.equal(server.connections, 1, 'the server was dialled');
  assert.equal(server.open, 0, 'the relay saw the client gone and closed the server connection');
});

test('Postgres through a passthrough router: a client that leaves while the server has not answered the SSLRequest closes the server connection', async (t) => {
  // A server that reads the SSLRequest and never answers it.
  let asked = false;
  let open = 0;
  const pg = await listenTcp(net.createServer((socket) => {
    open++;
    socket.once('close', () => open--);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      asked = first.equals(POSTGRES_SSL_REQUEST);
    });
  }));
  t.after(() => pg.close());
  const proxy = await startProxy({ ...buildInput(), tcp: tcpInput({
    routers: { 'pg@file': { rule: 'HostSNI(`pg.test`)', service: 'pg', tls: { passthrough: true } } },
    services: { 'pg@file': { loadBalancer: { servers: [{ address: pg.address, tls: false }] } } },
  }) });
  t.after(() => proxy.close(0));
  const raw = await connectPlain(proxy.port('web'));
  raw.on('error', () => {});
  raw.write(POSTGRES_SSL_REQUEST);
  assert.equal(await firstData(raw), 'S');
  // The ClientHello chooses the router; its handshake can never finish, the server being silent.
  tls.connect({ socket: raw, servername: 'pg.test', rejectUnauthorized: false }).on('error', () => {});
  await sleep(200);
  assert.equal(asked, true, 'the server was asked for TLS');
  assert.equal(open, 1);
  raw.resetAndDestroy();
  await sleep(300);
  assert.equal(open, 0, 'the server connection is closed with the client\'s');
});

test('readTimeout 0: a client that stops after its ClientHello on a terminating TCP router is cut at node\'s 120 s handshake limit, as on HTTPS', async (t) => {
  const db = await echoServer('echo:');
  t.after(() => db.close());
  const c = certificateFor('db.test');
  const proxy = await startProxy({
    ...buildInput({ tls: { certificates: [{ certFile: c.cert, keyFile: c.key }], options: {}, stores: {} } }),
    tcp: tcpInput({
      routers: { 'db@file': { rule: 'HostSNI(`db.test`)', service: 'db', tls: { passthrough: false } } },
      services: { 'db@file': { loadBalancer: { servers: [{ address: db.address, tls: false }] } } },
    }),
  }, [entryPointOptions('web', '127.0.0.1:0', { readTimeout: 0 })]);
  t.after(() => proxy.close(0));
  const hello = await captureClientHello({ servername: 'db.test' });
  const raw = await connectPlain(proxy.port('web'));
  raw.on('error', () => {});
  const closed = new Promise<void>((r) => raw.once('close', () => r()));
  // The deadlines are armed under mocked timers, so 120 s can pass at once; socket I/O stays real, and so does
  // setInterval, which measures the real waits meanwhile.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const realWait = (ms: number): Promise<void> => new Promise((r) => {
    const timer = setInterval(() => {
      clearInterval(timer);
      r();
    }, ms);
  });
  raw.write(hello);
  // The ServerHello says the termination's handshake is under way; the client never answers it.
  await new Promise((r) => raw.once('data', r));
  t.mock.timers.tick(119_000);
  await realWait(200);
  assert.equal(raw.destroyed, false, 'still waiting before the limit');
  t.mock.timers.tick(1_000);
  const outcome = await Promise.race([closed.then(() => 'closed'), realWait(1000).then(() => 'still open')]);
  t.mock.timers.reset();
  assert.equal(outcome, 'closed');
});
