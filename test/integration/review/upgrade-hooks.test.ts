import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { exchange } from './child.js';

// Review finding: the 101 of an upgrade is written by hand (forwarder.ts relayUpgrade) and skips the
// response header hooks. In Traefik the headers middleware wraps the ResponseWriter, and ReverseProxy
// writes the 101 through it (rw.WriteHeader before hijacking), so customResponseHeaders (and security or
// CORS headers) are on the 101 too. ARCHITECTURE.md: the forwarder "relays upstream heads through the same hooks".

/**
 * What a WebSocket upgrade through a headers middleware with `customResponseHeaders` gets from an edge in front of a
 * raw backend that writes `head`: the answer's bytes, one character a byte.
 */
async function upgradeThroughHeaders(t: TestContext, head: Buffer | string, customResponseHeaders: Record<string, string>): Promise<string> {
  const backend = await startRawBackend((socket) => socket.write(head));
  t.after(() => backend.close());
  const { config } = validateDynamicConfig({ http: { middlewares: { hdr: { headers: { customResponseHeaders } } } } });
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['hdr'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: Object.fromEntries(Object.entries(config.http.middlewares as Record<string, unknown>).map(([k, v]) => [`${k}@file`, v])) as never,
    },
  }));
  t.after(() => proxy.close(0));
  return exchange(proxy.port('web'), 'GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { waitMs: 800 });
}

test('customResponseHeaders of a headers middleware are on the 101 of a WebSocket upgrade', async (t) => {
  const answer = await upgradeThroughHeaders(t, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { 'X-Hdr': 'yes' });
  assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(answer, /\r\nx-hdr: yes\r\n/i);
});

test('the 101 carries header bytes beyond ASCII as sent: the server\'s unchanged, a configured value as its UTF-8, as on every other head', async (t) => {
  // x-latin: a latin1 é (e9); x-utf8: é in UTF-8 (c3 a9). Go relays both as they came.
  const head = Buffer.concat([
    Buffer.from('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Latin: caf'),
    Buffer.from([0xe9]),
    Buffer.from('\r\nX-Utf8: caf\xc3\xa9\r\n\r\n', 'latin1'),
  ]);
  const answer = await upgradeThroughHeaders(t, head, { 'X-Note': 'café €' });
  assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(answer.includes('\r\nx-latin: caf\xe9\r\n'), `the server's byte e9 relayed as it is: ${JSON.stringify(answer)}`);
  assert.ok(answer.includes('\r\nx-utf8: caf\xc3\xa9\r\n'), 'the server\'s UTF-8 relayed as it is');
  assert.ok(/\r\nx-note: caf\xc3\xa9 \xe2\x82\xac\r\n/i.test(answer), 'the configured text as its UTF-8 bytes, as Traefik writes it');
});
