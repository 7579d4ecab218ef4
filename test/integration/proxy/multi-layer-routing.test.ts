import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startBackend, type Backend, type BackendHandler } from '../../support/backends.js';
import { fileHttp } from '../../support/file-provider-input.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import type { ApiInput } from '../../../proxy/runtime/build-input.js';
import type { EdgeProxy } from '../../../proxy/index.js';

// Traefik v3.6 multi-layer routing: a parent router's middlewares run, then its children's rules choose the service.

async function backend(t: TestContext, name: string, handler?: BackendHandler): Promise<Backend> {
  const b = await startBackend(name, handler);
  t.after(() => b.close());
  return b;
}

const API: ApiInput = {
  insecure: true, version: '9.9.9', startDate: '2024-01-01T00:00:00.000Z',
  entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
  features: { tracing: '', metrics: '', accessLog: false }, providers: ['File'],
};

async function proxyFor(t: TestContext, http: Record<string, unknown>): Promise<{ proxy: EdgeProxy; url: string; traefik: string }> {
  const entryPoints = { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } };
  const proxy = await startProxy({ ...buildInput({ entryPoints, http: fileHttp(http) }), api: API });
  t.after(() => proxy.close(0));
  return { proxy, url: `http://127.0.0.1:${proxy.port('web')}`, traefik: `http://127.0.0.1:${proxy.port('traefik')}` };
}

/** Traefik's documented example: forwardAuth on the parent sets X-User-Role, the children route on it. */
async function roleRouting(t: TestContext, parentRule = 'PathPrefix(`/api`)') {
  const auth = await backend(t, 'auth', (req, res) => {
    const user = req.headers['x-token'];
    if (user === undefined) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('who are you?');
      return;
    }
    res.writeHead(200, { 'x-user-role': user === 'alice' ? 'admin' : 'user' });
    res.end();
  });
  const admin = await backend(t, 'admin');
  const user = await backend(t, 'user');
  const setup = await proxyFor(t, {
    routers: {
      'api-parent': { rule: parentRule, middlewares: ['auth-middleware'], entryPoints: ['web'] },
      'api-admin': { rule: 'HeaderRegexp(`X-User-Role`, `admin`)', service: 'admin-service', parentRefs: ['api-parent'] },
      'api-user': { rule: 'HeaderRegexp(`X-User-Role`, `user`)', service: 'user-service', parentRefs: ['api-parent'] },
    },
    middlewares: { 'auth-middleware': { forwardAuth: { address: `${auth.url}/auth`, authResponseHeaders: ['X-User-Role'] } } },
    services: {
      'admin-service': { loadBalancer: { servers: [{ url: admin.url }] } },
      'user-service': { loadBalancer: { servers: [{ url: user.url }] } },
    },
  });
  return { ...setup, admin, user };
}

test('parentRefs: the parent\'s forwardAuth runs first and its answer\'s headers choose the child router', async (t) => {
  const { url, admin, user } = await roleRouting(t);
  const asAlice = await request(`${url}/api/x`, { headers: { 'x-token': 'alice' } });
  assert.equal(await asAlice.body.text(), 'admin');
  const asBob = await request(`${url}/api/x`, { headers: { 'x-token': 'bob' } });
  assert.equal(await asBob.body.text(), 'user');
  const anonymous = await request(`${url}/api/x`, { headers: { 'x-user-role': 'admin' } });
  assert.equal(anonymous.statusCode, 401, 'a client naming its own role never reaches a child: the parent\'s auth runs first');
  assert.equal(await anonymous.body.text(), 'who are you?');
  assert.deepEqual([admin.seen.length, user.seen.length], [1, 1]);
  const elsewhere = await request(`${url}/other`, { headers: { 'x-token': 'alice' } });
  assert.equal(elsewhere.statusCode, 404, 'a child is matched only under its parent');
  await elsewhere.body.dump();
});

test('parentRefs: a role the client sent is replaced by the auth server\'s, also on node:http (chunked body) after the parent\'s rule read the headers', async (t) => {
  const { url, admin, user } = await roleRouting(t, 'PathPrefix(`/api`) && !Header(`X-Skip`, `1`)');
  const res = await request(`${url}/api/x`, {
    method: 'POST',
    headers: { 'x-token': 'bob', 'x-user-role': 'admin' },
    // A stream of unknown length goes chunked: the lean front hands the connection to node:http.
    body: Readable.from([Buffer.from('hello')]),
  });
  assert.equal(await res.body.text(), 'user');
  assert.equal(admin.seen.length, 0);
  assert.equal(user.seen[0]?.body, 'hello');
});

test('parentRefs: a request the parent takes but no child matches is 404, after the parent\'s middlewares', async (t) => {
  const app = await backend(t, 'app');
  const { url } = await proxyFor(t, {
    routers: {
      parent: { rule: 'PathPrefix(`/`)', middlewares: ['mark'] },
      child: { rule: 'Path(`/only`)', service: 'app', parentRefs: ['parent'] },
    },
    middlewares: { mark: { headers: { customResponseHeaders: { 'X-Parent': 'ran' } } } },
    services: { app: { loadBalancer: { servers: [{ url: app.url }] } } },
  });
  const miss = await request(`${url}/nope`);
  assert.equal(miss.statusCode, 404);
  assert.equal(miss.headers['x-parent'], 'ran');
  assert.equal(await miss.body.text(), '404 page not found\n');
  const hit = await request(`${url}/only`);
  assert.equal(await hit.body.text(), 'app');
});

test('parentRefs: children are ordered like routers (priority, else rule length), and three layers run their middlewares outside in', async (t) => {
  const long = await backend(t, 'long');
  const short = await backend(t, 'short');
  const top = await backend(t, 'top');
  const { url } = await proxyFor(t, {
    routers: {
      root: { rule: 'PathPrefix(`/`)', middlewares: ['p1'] },
      mid: { rule: 'PathPrefix(`/a`)', middlewares: ['p2'], parentRefs: ['root'] },
      'leaf-long': { rule: 'PathPrefix(`/p2/a/b`)', service: 'long', middlewares: ['p3'], parentRefs: ['mid'] },
      'leaf-short': { rule: 'PathPrefix(`/p2`)', service: 'short', parentRefs: ['mid'] },
      'leaf-top': { rule: 'PathPrefix(`/p2/a/b/c`)', service: 'top', priority: 1, parentRefs: ['mid'] },
    },
    middlewares: { p1: { headers: { customRequestHeaders: { 'X-Layer': 'root' } } }, p2: { addPrefix: { prefix: '/p2' } }, p3: { addPrefix: { prefix: '/p3' } } },
    services: Object.fromEntries([long, short, top].map((b) => [b.name, { loadBalancer: { servers: [{ url: b.url }] } }])),
  });
  // /a/b/c: mid adds /p2, then the longer rule wins over the shorter; leaf-top's priority 1 loses to the rule lengths.
  assert.equal(await (await request(`${url}/a/b/c`)).body.text(), 'long');
  assert.equal(long.seen[0]?.url, '/p3/p2/a/b/c', 'root, then mid (/p2), then the leaf (/p3)');
  assert.equal(long.seen[0]?.headers['x-layer'], 'root');
  assert.equal(await (await request(`${url}/a/z`)).body.text(), 'short');
  assert.equal(top.seen.length, 0);
});

test('parentRefs: a child whose parent is missing, or that has its own entryPoints or tls, is disabled with Traefik\'s errors and never served', async (t) => {
  const app = await backend(t, 'app');
  const { proxy, url } = await proxyFor(t, {
    routers: {
      parent: { rule: 'PathPrefix(`/`)', middlewares: ['deny'] },
      orphan: { rule: 'Path(`/orphan`)', service: 'app', parentRefs: ['gone'] },
      'with-ep': { rule: 'Path(`/ep`)', service: 'app', parentRefs: ['parent'], entryPoints: ['web'] },
      'with-tls': { rule: 'Path(`/tls`)', service: 'app', parentRefs: ['parent'], tls: {} },
    },
    middlewares: { deny: { ipAllowList: { sourceRange: ['192.0.2.1'] } } },
    services: { app: { loadBalancer: { servers: [{ url: app.url }] } } },
  });
  const errors = (name: string) => ({ status: proxy.runtime.status.get('router', `${name}@file`)?.status, errors: proxy.runtime.status.get('router', `${name}@file`)?.errors });
  assert.deepEqual(errors('orphan'), { status: 'disabled', errors: ['parent router "gone@file" does not exist', 'router is not reachable'] });
  assert.deepEqual(errors('with-ep'), { status: 'disabled', errors: ['non-root router cannot have Entrypoints configuration'] });
  assert.deepEqual(errors('with-tls'), { status: 'disabled', errors: ['non-root router cannot have TLS configuration'] });
  assert.deepEqual(errors('parent'), { status: 'disabled', errors: ['building child routers muxer: no child routers could be added to muxer (2 skipped)'] });
  for (const path of ['/orphan', '/ep', '/tls']) {
    const res = await request(`${url}${path}`);
    assert.equal(res.statusCode, 404, path);
    await res.body.dump();
  }
  assert.equal(app.seen.length, 0, 'no child is served around its parent\'s ipAllowList');
});

test('parentRefs: cycles, unreachable routers, and a parent with a service are reported as Traefik reports them', async (t) => {
  const app = await backend(t, 'app');
  const { proxy, url } = await proxyFor(t, {
    routers: {
      root: { rule: 'PathPrefix(`/`)' },
      a: { rule: 'PathPrefix(`/a`)', parentRefs: ['root', 'b'] },
      b: { rule: 'PathPrefix(`/a/b`)', parentRefs: ['a'] },
      leaf: { rule: 'Path(`/a/leaf`)', service: 'app', parentRefs: ['a'] },
      x: { rule: 'Path(`/x`)', parentRefs: ['y'] },
      y: { rule: 'Path(`/y`)', parentRefs: ['x'] },
      both: { rule: 'Path(`/both`)', service: 'app' },
      'under-both': { rule: 'Path(`/both`)', service: 'app', parentRefs: ['both'] },
    },
    services: { app: { loadBalancer: { servers: [{ url: app.url }] } } },
  });
  const item = (name: string) => proxy.runtime.status.get('router', `${name}@file`);
  assert.equal(item('b')?.status, 'disabled');
  assert.deepEqual(item('b')?.errors, ['cyclic reference detected in router tree: a@file -> b@file -> a@file', 'router has no service and no child routers']);
  assert.equal(item('a')?.status, 'enabled');
  assert.equal(item('root')?.status, 'enabled');
  assert.deepEqual([item('x')?.errors, item('y')?.errors], [['router is not reachable'], ['router is not reachable']]);
  assert.deepEqual(item('both')?.errors, ['router has both a service and is referenced as a parent by other routers']);
  assert.equal(item('both')?.status, 'disabled');
  assert.equal(await (await request(`${url}/a/leaf`)).body.text(), 'app');
  const both = await request(`${url}/both`);
  assert.equal(both.statusCode, 404, 'neither the parent with a service nor its child is served');
  await both.body.dump();
});

test('parentRefs in the API: the child lists its parents qualified, has no entrypoints of its own, the parent no service', async (t) => {
  const { traefik } = await roleRouting(t);
  const child = await (await request(`${traefik}/api/http/routers/api-admin@file`)).body.json() as Record<string, unknown>;
  assert.deepEqual(child.parentRefs, ['api-parent@file']);
  assert.equal(child.using, undefined);
  assert.equal(child.status, 'enabled');
  assert.equal(child.priority, 'HeaderRegexp(`X-User-Role`, `admin`)'.length);
  const parent = await (await request(`${traefik}/api/http/routers/api-parent@file`)).body.json() as Record<string, unknown>;
  assert.equal(parent.service, undefined);
  assert.deepEqual(parent.using, ['web']);
  const service = await (await request(`${traefik}/api/http/services/admin-service@file`)).body.json() as Record<string, unknown>;
  assert.deepEqual(service.usedBy, ['api-admin@file']);
});
