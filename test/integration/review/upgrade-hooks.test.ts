import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { exchange } from './child.js';

// Review finding: the 101 of an upgrade is written by hand (forwarder.ts relayUpgrade) and skips the
// response header hooks. In Traefik the headers middleware wraps the ResponseWriter, and ReverseProxy
// writes the 101 through it (rw.WriteHeader before hijacking), so customResponseHeaders (and security or
// CORS headers) are on the 101 too. ARCHITECTURE.md: the forwarder "relays upstream heads through the same hooks".

test('customResponseHeaders of a headers middleware are on the 101 of a WebSocket upgrade', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
  t.after(() => backend.close());
  const { config } = validateDynamicConfig({ http: { middlewares: { hdr: { headers: { customResponseHeaders: { 'X-Hdr': 'yes' } } } } } });
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['hdr'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: Object.fromEntries(Object.entries(config.http.middlewares as Record<string, unknown>).map(([k, v]) => [`${k}@file`, v])) as never,
    },
  }));
  t.after(() => proxy.close(0));
  const answer = await exchange(proxy.port('web'), 'GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { waitMs: 800 });
  assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(answer, /\r\nx-hdr: yes\r\n/i);
});
