import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { connectWebSocket, isOpen, startWebSocketEchoBackend, type WebSocketClient } from '../../support/websocket.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// Routers for ws.test on both sides of one entrypoint: plain (ws://) and TLS (wss://), same echo backend.
async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('ws.test', ['ws.test']);
  const backend = await startWebSocketEchoBackend();
  t.after(() => backend.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: {
          'ws@file': { rule: 'Host(`ws.test`)', service: 'echo' },
          'wss@file': { rule: 'Host(`ws.test`)', service: 'echo', tls: {} },
        },
        services: { 'echo@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }),
  );
  t.after(() => proxy.close(0));
  const clients: WebSocketClient[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
  });
  return { backend, port: proxy.port('web'), cert, clients };
}

async function exchange(client: WebSocketClient, path: string): Promise<void> {
  assert.equal(await client.next(), `welcome ${path}`, 'a message pushed by the backend reaches the client');
  client.send('hello');
  assert.equal(await client.next(), 'echo:hello', 'a client message reaches the backend and its answer comes back');
  client.send('second message');
  assert.equal(await client.next(), 'echo:second message');
}

test('ws: the upgrade through the proxy gets 101 and messages flow both ways', async (t) => {
  const { backend, port, clients } = await setup(t);
  const client = await connectWebSocket({ port, host: `ws.test:${port}`, path: '/chat?room=1' });
  assert.ok(isOpen(client), `expected 101, got ${JSON.stringify(client)}`);
  clients.push(client);
  assert.equal(client.status, 101);
  assert.equal(client.headers.upgrade?.toLowerCase(), 'websocket');
  assert.ok(client.acceptValid, 'Sec-WebSocket-Accept matches the key the client sent');
  await exchange(client, '/chat?room=1');

  const seen = backend.upgrades[0];
  assert.ok(seen);
  assert.equal(seen['x-forwarded-proto'], 'ws');
  assert.equal(seen['x-forwarded-port'], String(port));
  assert.equal(seen.host, `ws.test:${port}`);
  assert.equal(seen.upgrade?.toLowerCase(), 'websocket');
  assert.ok(backend.allClientFramesMasked, 'client frames arrive masked, as sent');

  await client.close();
});

test('wss: the same over TLS, backend sees X-Forwarded-Proto wss', async (t) => {
  const { backend, port, cert, clients } = await setup(t);
  const client = await connectWebSocket({ port, host: 'ws.test', path: '/secure', tls: { ca: cert.cert, rejectUnauthorized: true } });
  assert.ok(isOpen(client), `expected 101, got ${JSON.stringify(client)}`);
  clients.push(client);
  assert.equal(client.status, 101);
  assert.ok(client.acceptValid);
  await exchange(client, '/secure');
  assert.equal(backend.upgrades[0]?.['x-forwarded-proto'], 'wss');
  assert.equal(backend.upgrades[0]?.['x-forwarded-port'], '443');
  await client.close();
});

test('two WebSockets at once through the proxy stay separate', async (t) => {
  const { port, clients } = await setup(t);
  const a = await connectWebSocket({ port, host: 'ws.test', path: '/a' });
  const b = await connectWebSocket({ port, host: 'ws.test', path: '/b', tls: true });
  assert.ok(isOpen(a) && isOpen(b));
  clients.push(a, b);
  assert.equal(await a.next(), 'welcome /a');
  assert.equal(await b.next(), 'welcome /b');
  b.send('to-b');
  a.send('to-a');
  assert.equal(await a.next(), 'echo:to-a');
  assert.equal(await b.next(), 'echo:to-b');
});

test('an upgrade request for a host without router gets a plain 404, not a hang', async (t) => {
  const { backend, port } = await setup(t);
  const refused = await connectWebSocket({ port, host: 'nobody.test' });
  assert.ok(!isOpen(refused));
  assert.equal(refused.status, 404);
  assert.equal(refused.body, '404 page not found\n');
  assert.equal(backend.upgrades.length, 0);
});

test('a backend that refuses the upgrade has its answer passed through (403, body), not a 502', async (t) => {
  const backend = await startBackend('no-ws', (_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('websocket not allowed');
  });
  t.after(() => backend.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'ws@file': { rule: 'Host(`ws.test`)', service: 'echo' } },
        services: { 'echo@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      },
    }),
  );
  t.after(() => proxy.close(0));
  const refused = await connectWebSocket({ port: proxy.port('web'), host: 'ws.test' });
  assert.ok(!isOpen(refused));
  assert.equal(refused.status, 403);
  assert.equal(refused.body, 'websocket not allowed');
  assert.equal(backend.seen[0]?.headers.upgrade, 'websocket', 'the upgrade request did reach the backend');
});

test('a WebSocket through a sticky service gets the sticky cookie on its 101, and upgrades sending it stay on that server', async (t) => {
  const a = await startWebSocketEchoBackend();
  t.after(() => a.close());
  const b = await startWebSocketEchoBackend();
  t.after(() => b.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'ws@file': { rule: 'Host(`ws.test`)', service: 'echo' } },
        services: { 'echo@file': { loadBalancer: { sticky: { cookie: { name: 'lb' } }, servers: [{ url: a.url }, { url: b.url }] } } },
      },
    }),
  );
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  const first = await connectWebSocket({ port, host: 'ws.test' });
  assert.ok(isOpen(first), `expected 101, got ${JSON.stringify(first)}`);
  first.destroy();
  // Traefik's balancer sets the cookie on the response writer before proxying, and the 101 is written from it.
  const cookie = (first.headers['set-cookie'] ?? [])[0];
  assert.match(cookie ?? '', /^lb=[0-9a-f]+; Path=\/$/, 'the 101 carries the sticky cookie');
  const pinned = a.upgrades.length === 1 ? a : b;
  for (let i = 0; i < 4; i++) {
    const again = await connectWebSocket({ port, host: 'ws.test', headers: { cookie: (cookie as string).split(';')[0] as string } });
    assert.ok(isOpen(again));
    assert.equal(again.headers['set-cookie'], undefined, 'a valid cookie is not set again');
    again.destroy();
  }
  assert.equal(pinned.upgrades.length, 5, 'every upgrade with the cookie reached the server the first one chose');
});

test('a WebSocket whose server refuses the connection goes to another server, as every request that reached none does', async (t) => {
  const live = await startWebSocketEchoBackend();
  t.after(() => live.close());
  const gone = await startBackend('gone');
  await gone.close();
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'ws@file': { rule: 'Host(`ws.test`)', service: 'echo' } },
        services: { 'echo@file': { loadBalancer: { servers: [{ url: gone.url }, { url: live.url }] } } },
      },
    }),
  );
  t.after(() => proxy.close(0));
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const client = await connectWebSocket({ port: proxy.port('web'), host: 'ws.test' });
    statuses.push(client.status);
    if (isOpen(client)) {
      assert.equal(await client.next(), 'welcome /');
      client.destroy();
    }
  }
  // Round robin sends every other upgrade to the refusing server first: none of its bytes left pe-edge.
  assert.deepEqual(statuses, [101, 101, 101, 101]);
  assert.equal(live.upgrades.length, 4);
});
