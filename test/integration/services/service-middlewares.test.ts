import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { fileHttp } from '../../support/file-provider-input.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { ApiInput } from '../../../proxy/runtime/build-input.js';
import type { EdgeProxy } from '../../../proxy/index.js';

// Traefik v3.7 service `middlewares`: they run for every request the service handles, after the router's.

const USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';
const CREDENTIALS = { authorization: 'Basic ' + Buffer.from('test:test').toString('base64') };

async function backend(t: TestContext, name: string): Promise<Backend> {
  const b = await startBackend(name);
  t.after(() => b.close());
  return b;
}

async function proxyFor(t: TestContext, http: Record<string, unknown>, api = false): Promise<{ proxy: EdgeProxy; url: string; traefik: string }> {
  const entryPoints: Record<string, { address: string }> = api ? { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } } : { web: { address: '127.0.0.1:0' } };
  const apiInput: ApiInput = {
    insecure: true, version: '9.9.9', startDate: '2024-01-01T00:00:00.000Z', entryPoints,
    features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'],
  };
  const proxy = await startProxy({ ...buildInput({ entryPoints, http: fileHttp(http) }), ...(api ? { api: apiInput } : {}) });
  t.after(() => proxy.close(0));
  return { proxy, url: `http://127.0.0.1:${proxy.port('web')}`, traefik: api ? `http://127.0.0.1:${proxy.port('traefik')}` : '' };
}

test('service middlewares: a basicAuth on the service guards it from every router that sends requests to it', async (t) => {
  const app = await backend(t, 'app');
  const { url } = await proxyFor(t, {
    routers: {
      a: { rule: 'PathPrefix(`/a`)', service: 'app' },
      b: { rule: 'PathPrefix(`/b`)', service: 'app', middlewares: ['tag'] },
    },
    services: { app: { middlewares: ['auth'], loadBalancer: { servers: [{ url: app.url }] } } },
    middlewares: { auth: { basicAuth: { users: [USER] } }, tag: { headers: { customRequestHeaders: { 'X-Router': 'b' } } } },
  });
  for (const path of ['/a', '/b']) {
    const denied = await request(`${url}${path}`);
    assert.equal(denied.statusCode, 401, `${path} without credentials`);
    assert.equal(denied.headers['www-authenticate'], 'Basic realm="traefik"');
    await denied.body.dump();
  }
  assert.equal(app.seen.length, 0, 'no request reached the backend without credentials');
  const allowed = await request(`${url}/b`, { headers: CREDENTIALS });
  assert.equal(allowed.statusCode, 200);
  assert.equal(await allowed.body.text(), 'app');
  assert.equal(app.seen[0]?.headers['x-router'], 'b', 'the router\'s middleware ran too');
});

test('service middlewares run after the router\'s: addPrefix /r on the router, then /s on the service, reach the server as /s/r/x', async (t) => {
  const app = await backend(t, 'app');
  const { url } = await proxyFor(t, {
    routers: { r: { rule: 'PathPrefix(`/`)', service: 'app', middlewares: ['router-prefix'] } },
    services: { app: { middlewares: ['service-prefix'], loadBalancer: { servers: [{ url: app.url }] } } },
    middlewares: { 'router-prefix': { addPrefix: { prefix: '/r' } }, 'service-prefix': { addPrefix: { prefix: '/s' } } },
  });
  const res = await request(`${url}/x`);
  assert.equal(res.statusCode, 200);
  await res.body.dump();
  assert.equal(app.seen[0]?.url, '/s/r/x');
});

test('service middlewares of a weighted service\'s children run when the weighted service picks them; the parent\'s run first', async (t) => {
  const guarded = await backend(t, 'guarded');
  const open = await backend(t, 'open');
  const { url } = await proxyFor(t, {
    routers: { r: { rule: 'PathPrefix(`/`)', service: 'split' } },
    services: {
      split: { middlewares: ['split-prefix'], weighted: { services: [{ name: 'guarded', weight: 1 }, { name: 'open', weight: 1 }] } },
      guarded: { middlewares: ['auth'], loadBalancer: { servers: [{ url: guarded.url }] } },
      open: { loadBalancer: { servers: [{ url: open.url }] } },
    },
    middlewares: { auth: { basicAuth: { users: [USER] } }, 'split-prefix': { addPrefix: { prefix: '/w' } } },
  });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await request(`${url}/x`);
    statuses.push(res.statusCode);
    await res.body.dump();
  }
  assert.deepEqual([...statuses].sort(), [200, 200, 401, 401], 'the guarded child answers 401, the open one 200, in turn');
  assert.equal(guarded.seen.length, 0);
  assert.deepEqual(open.seen.map((s) => s.url), ['/w/x', '/w/x'], 'the weighted service\'s own middleware ran before its child was chosen');
});

test('a service naming a middleware that does not exist is disabled with Traefik\'s error, and so is every router using it', async (t) => {
  const app = await backend(t, 'app');
  const { proxy, url } = await proxyFor(t, {
    routers: { r: { rule: 'PathPrefix(`/`)', service: 'app' } },
    services: { app: { middlewares: ['auht'], loadBalancer: { servers: [{ url: app.url }] } } },
    middlewares: { auth: { basicAuth: { users: [USER] } } },
  });
  const service = proxy.runtime.status.get('service', 'app@file');
  assert.equal(service?.status, 'disabled');
  assert.match(service?.errors.join(' ') ?? '', /middleware "auht@file" does not exist; did you mean "auth@file"\?/);
  assert.equal(proxy.runtime.status.get('router', 'r@file')?.status, 'disabled');
  const res = await request(`${url}/`);
  assert.equal(res.statusCode, 404, 'never served without the middleware it names');
  await res.body.dump();
  assert.equal(app.seen.length, 0);
});

test('an errors middleware on a service whose page service is that same service is a recursion, not a hang', async (t) => {
  const app = await backend(t, 'app');
  const { proxy } = await proxyFor(t, {
    routers: { r: { rule: 'PathPrefix(`/`)', service: 'app' } },
    services: { app: { middlewares: ['pages'], loadBalancer: { servers: [{ url: app.url }] } } },
    middlewares: { pages: { errors: { status: ['500-599'], service: 'app', query: '/{status}' } } },
  });
  const service = proxy.runtime.status.get('service', 'app@file');
  assert.equal(service?.status, 'disabled');
  assert.match(service?.errors.join(' ') ?? '', /recursion detected in app@file -> app@file/);
});

test('the API shows a service\'s middlewares beside its type, as Traefik does', async (t) => {
  const app = await backend(t, 'app');
  const { traefik } = await proxyFor(t, {
    routers: { r: { rule: 'PathPrefix(`/`)', service: 'app' } },
    services: { app: { middlewares: ['auth'], loadBalancer: { servers: [{ url: app.url }] } } },
    middlewares: { auth: { basicAuth: { users: [USER] } } },
  }, true);
  const service = await (await request(`${traefik}/api/http/services/app@file`)).body.json() as Record<string, unknown>;
  assert.equal(service.type, 'loadbalancer');
  assert.deepEqual(service.middlewares, ['auth']);
  assert.equal(service.status, 'enabled');
  assert.deepEqual(service.usedBy, ['r@file']);
});
