import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { connectPlain, firstData, listenTcp, slowSilentTlsServer, tcpInput } from '../../support/tcp-backends.js';
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
