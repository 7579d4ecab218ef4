import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

const SEED_USER = 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';

async function setup(t: { after: (fn: () => Promise<void>) => void }, middlewares: Record<string, unknown>, chain: string[], onDone?: (ctx: RequestContext) => void) {
  const { config } = validateDynamicConfig({ http: { middlewares } });
  const validated = Object.fromEntries(Object.entries(config.http.middlewares as Record<string, unknown>).map(([k, v]) => [`${k}@file`, v])) as Record<string, Record<string, unknown>>;
  const app = await startBackend('app');
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: chain } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: validated,
    },
  }), [entryPointOptions('web', '127.0.0.1:0', onDone === undefined ? {} : { onDone })]);
  t.after(() => proxy.close(0));
  return { app, proxy, port: proxy.port('web') };
}

const auth = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

test('basicAuth seed: no credentials ⇒ 401 challenge; good ones ⇒ 200 with X-WebAuth-User upstream', async (t) => {
  const { app, port } = await setup(t, { auth: { basicAuth: { users: [SEED_USER], headerField: 'X-WebAuth-User' } } }, ['auth']);
  const denied = await httpRequest({ port });
  assert.equal(denied.status, 401);
  assert.equal(denied.headers['www-authenticate'], 'Basic realm="traefik"');
  assert.equal(denied.headers['content-type'], 'text/plain');
  assert.equal(denied.body, '401 Unauthorized\n');
  assert.equal(app.seen.length, 0);
  const wrong = await httpRequest({ port, headers: auth('test', 'wrong') });
  assert.equal(wrong.status, 401);
  const ok = await httpRequest({ port, headers: auth('test', 'test') });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'app');
  assert.equal(app.seen[0]?.headers['x-webauth-user'], 'test');
  assert.equal(app.seen[0]?.headers.authorization, auth('test', 'test').authorization);
});

test('basicAuth removeHeader: the backend never sees the credentials', async (t) => {
  const { app, port } = await setup(t, { auth: { basicAuth: { users: SEED_USER, removeHeader: true } } }, ['auth']);
  const ok = await httpRequest({ port, headers: auth('test', 'test') });
  assert.equal(ok.status, 200);
  assert.equal(app.seen[0]?.headers.authorization, undefined);
});

test('headers before basicAuth: the 401 carries the security headers, as Traefik wraps every response', async (t) => {
  const { port } = await setup(t, {
    sec: { headers: { frameDeny: true, customResponseHeaders: { 'X-Edge': 'pe' } } },
    auth: { basicAuth: { users: [SEED_USER] } },
  }, ['sec', 'auth']);
  const denied = await httpRequest({ port });
  assert.equal(denied.status, 401);
  assert.equal(denied.headers['x-frame-options'], 'DENY');
  assert.equal(denied.headers['x-edge'], 'pe');
});

test('basicAuth with a bcrypt user (htpasswd -B): right password passes, wrong one gets 401', async (t) => {
  const { app, port } = await setup(t, { auth: { basicAuth: { users: ['bc:$2y$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm'] } } }, ['auth']);
  assert.equal((await httpRequest({ port, headers: auth('bc', 'hunter2') })).status, 200);
  assert.equal((await httpRequest({ port, headers: auth('bc', 'hunter3') })).status, 401);
  assert.equal(app.seen.length, 1);
});

test('basicAuth with an unbearable bcrypt cost: the router is disabled (404), not silently open', async (t) => {
  const { app, port } = await setup(t, { auth: { basicAuth: { users: ['a:$2y$20$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'] } } }, ['auth']);
  const r = await httpRequest({ port });
  assert.equal(r.status, 404);
  assert.equal(app.seen.length, 0);
});

test('basicAuth names the user in the access log (ClientUsername), as Traefik does', async (t) => {
  const seen: string[] = [];
  const { port } = await setup(t, { auth: { basicAuth: { users: [SEED_USER] } } }, ['auth'], (ctx) => seen.push(ctx.username));
  await httpRequest({ port, headers: auth('test', 'test') });
  await httpRequest({ port, headers: auth('test', 'wrong') });
  const deadline = Date.now() + 2000;
  while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ['test', '']);
});

test('basicAuth with no users and no usersFile is a configuration error: router disabled with the reason, not a 401', async (t) => {
  const { app, proxy, port } = await setup(t, { auth: { basicAuth: { realm: 'r' } } }, ['auth']);
  for (const body of [undefined, 'x']) {
    const r = await httpRequest({ port, method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }) });
    assert.equal(r.status, 404);
    assert.equal(r.headers['www-authenticate'], undefined);
  }
  assert.equal(app.seen.length, 0);
  const router = proxy.runtime.status.get('router', 'r@file');
  assert.equal(router?.status, 'disabled');
  assert.match(router?.errors.join('\n') ?? '', /no users found/);
  assert.equal(proxy.runtime.status.get('middleware', 'auth@file')?.status, 'disabled');
});
