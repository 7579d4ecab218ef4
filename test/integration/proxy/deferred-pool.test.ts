// Plain-HTTP upstream pools are created on their first request (thousands of idle services cost little),
// and behave as the pool they stand for: one closed before its first request still answers an old runtime's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBackend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { DeferredPool } from '../../../proxy/forward/deferred-pool.js';
import type { Runtime } from '../../../proxy/index.js';

function poolOf(runtime: Runtime, service: string): DeferredPool {
  const pool = runtime.loadBalancers.get(service)?.upstreams[0]?.pool;
  assert.ok(pool instanceof DeferredPool, 'a plain-HTTP server gets a deferred pool');
  return pool;
}

describe('deferred upstream pools', () => {
  it('exist from the build, are created by the first request, and forward it', async (t) => {
    const backend = await startBackend('app');
    const http = {
      routers: { 'app@file': { rule: 'Host(`app.test`)', service: 'app' }, 'idle@file': { rule: 'Host(`idle.test`)', service: 'idle' } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } }, 'idle@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:9' }] } } },
    };
    const proxy = await startProxy(buildInput({ http }));
    t.after(async () => {
      await proxy.close(0);
      await backend.close();
    });
    const url = `http://127.0.0.1:${proxy.port('web')}/`;
    assert.equal(proxy.upstreamPoolCount, 2);
    assert.equal(poolOf(proxy.runtime, 'app@file').created, false);
    const reply = await httpGet(url, { host: 'app.test' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'app');
    assert.equal(poolOf(proxy.runtime, 'app@file').created, true);
    assert.equal(poolOf(proxy.runtime, 'idle@file').created, false, 'a server nobody asked for has no pool');
  });

  it('closed before its first request, it still serves a request of the runtime that holds it', async (t) => {
    const backend = await startBackend('late');
    const http = {
      routers: { 'late@file': { rule: 'Host(`late.test`)', service: 'late' } },
      services: { 'late@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    };
    const proxy = await startProxy(buildInput({ http }));
    t.after(async () => {
      await proxy.close(0);
      await backend.close();
    });
    const pool = poolOf(proxy.runtime, 'late@file');
    await pool.close();
    const reply = await httpGet(`http://127.0.0.1:${proxy.port('web')}/`, { host: 'late.test' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'late');
    assert.equal(pool.created, true);
  });
});
