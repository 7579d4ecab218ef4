// A scale-down seen from the edge: most of a service's servers stop listening at once, before the provider
// removes them. Every GET must still reach the one server left, under concurrency, because a request's
// retries go to servers it has not tried yet rather than to whatever the shared rotation hands out next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { freePort } from '../../support/cli-process.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

test('5 of 6 servers refusing: 600 concurrent GETs all reach the sixth, none answered 502', async (t) => {
  const live = await startBackend('live');
  const refusing = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  const servers = [...refusing.slice(0, 3).map((p) => ({ url: `http://127.0.0.1:${p}` })), { url: live.url }, ...refusing.slice(3).map((p) => ({ url: `http://127.0.0.1:${p}` }))];
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app', entryPoints: ['web'] } },
      services: { 'app@file': { loadBalancer: { servers } } },
    },
  }));
  const agent = new Agent({ connections: 32 });
  t.after(async () => { await agent.close(); await proxy.close(0); await live.close(); });
  const statuses = new Map<number, number>();
  let next = 0;
  const client = async (): Promise<void> => {
    while (next++ < 600) {
      const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { dispatcher: agent });
      const body = await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode === 200) assert.equal(body, 'live');
    }
  };
  await Promise.all(Array.from({ length: 32 }, () => client()));
  assert.deepEqual([...statuses], [[200, 600]]);
});

test('a POST without an idempotency key that reached a server is not sent to another one', async (t) => {
  let hits = 0;
  const cutter = await startBackend('cutter', (req) => { hits++; req.socket.destroy(); });
  const other = await startBackend('other');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app', entryPoints: ['web'] } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: cutter.url }, { url: other.url }] } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await cutter.close(); await other.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`, { method: 'POST', body: 'x' });
  await res.body.text();
  assert.equal(res.statusCode, 502);
  assert.equal(hits, 1);
});
