import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { slowSilentTlsServer, tcpInput } from '../../support/tcp-backends.js';

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
