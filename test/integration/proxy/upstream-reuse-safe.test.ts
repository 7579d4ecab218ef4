import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHostileBackend, type HostileBackend } from '../../support/hostile-backend.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

// HAProxy's `http-reuse safe`: the first request of a client connection goes upstream on a connection of
// its own; only later requests of a client connection may take idle connections other clients used. A
// backend that writes a second, unrequested answer on a keep-alive connection after a complete one then
// cannot hand it to another client as that client's answer, even when the bytes arrive after the other
// client's request would have been written there. Both HTTP/1.1 fronts: the lean one (`/lean`, no
// middleware) and node:http (`/mw`, a router with a middleware).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const UNSOLICITED = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nunsolicited';

/** `/…/a` answers at once and sends junk 300 ms later on the same connection; anything else answers its own path after `delayMs`. */
function junkAfterA(backend: HostileBackend, delayMs: number): void {
  backend.handler = ({ socket, target }) => {
    if (target.endsWith('/a')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na');
      setTimeout(() => socket.destroyed || socket.write(UNSOLICITED), 300);
      return;
    }
    const answer = () => socket.destroyed || socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  };
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await startHostileBackend();
  const http = {
    routers: {
      'lean@file': { rule: 'PathPrefix(`/lean`)', service: 's' },
      'mw@file': { rule: 'PathPrefix(`/mw`)', service: 's', middlewares: ['h'] },
    },
    services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    middlewares: { 'h@file': { headers: { customRequestHeaders: { 'X-Front': 'node' } } } },
  };
  const proxy = await startProxy(buildInput({ http }));
  t.after(async () => {
    await proxy.close(0);
    await backend.close();
  });
  return { backend, port: proxy.port('web') };
}

/** One client connection: `send` writes a request and resolves with the body of its answer. */
function clientConnection(t: { after: (fn: () => void) => void }, port: number) {
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (text += c));
  return {
    async send(path: string): Promise<string> {
      text = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
      for (let i = 0; i < 150; i++) {
        const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(text);
        const length = m === null ? null : /^content-length: *(\d+)/im.exec(m[2] ?? '');
        if (m !== null && length !== null && text.length >= m[0].length + Number(length[1])) {
          return text.slice(m[0].length, m[0].length + Number(length[1]));
        }
        await sleep(20);
      }
      throw new Error(`no whole answer to ${path}: ${JSON.stringify(text)}`);
    },
  };
}

for (const front of ['/lean', '/mw']) {
  test(`${front}: a new client arriving after the unsolicited bytes gets its own answer`, async (t) => {
    const { backend, port } = await setup(t);
    junkAfterA(backend, 0);
    assert.equal(await clientConnection(t, port).send(`${front}/a`), 'a');
    await sleep(350);
    assert.equal(await clientConnection(t, port).send(`${front}/b`), `${front}/b`);
  });

  test(`${front}: a new client whose request would be on the pooled connection before the unsolicited bytes arrive still gets its own answer`, async (t) => {
    const { backend, port } = await setup(t);
    // B's answer takes 600 ms: sent on A's upstream connection, B would read the junk written at 300 ms.
    junkAfterA(backend, 600);
    assert.equal(await clientConnection(t, port).send(`${front}/a`), 'a');
    await sleep(100);
    assert.equal(await clientConnection(t, port).send(`${front}/b`), `${front}/b`);
    assert.equal(backend.connections, 2, 'B went upstream on a connection of its own');
  });

  test(`${front}: later requests of a keep-alive client connection reuse upstream connections; each new client connection starts on its own`, async (t) => {
    const { backend, port } = await setup(t);
    junkAfterA(backend, 0);
    const kept = clientConnection(t, port);
    for (let i = 0; i < 5; i++) assert.equal(await kept.send(`${front}/k${i}`), `${front}/k${i}`);
    assert.equal(backend.connections, 1, '5 requests on one client connection: 1 upstream connection');
    for (let i = 0; i < 3; i++) assert.equal(await clientConnection(t, port).send(`${front}/n${i}`), `${front}/n${i}`);
    assert.ok(backend.connections <= 4, `3 new client connections: at most 3 more upstream connections, saw ${backend.connections - 1}`);
    // A later request of one of those connections may take any idle connection: no new one is needed.
    const again = clientConnection(t, port);
    await again.send(`${front}/first`);
    const before = backend.connections;
    for (let i = 0; i < 3; i++) await again.send(`${front}/later${i}`);
    assert.equal(backend.connections, before);
  });
}
