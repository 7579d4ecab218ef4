import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest } from '../../support/tls-clients.js';
import { proxyThrough } from './path-proxy.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

test('seed: addPrefix{prefix: /v1}: /users reaches the backend as /v1/users, query kept', async (t) => {
  const { app, port } = await proxyThrough(t, [{ addPrefix: { prefix: '/v1' } }]);
  assert.equal((await httpRequest({ port, path: '/users?page=2' })).status, 200);
  assert.equal(app.seen[0]?.url, '/v1/users?page=2');
});

test('addPrefix: slashes are not merged (/foo/ + /bar ⇒ /foo//bar)', async (t) => {
  const { app, port } = await proxyThrough(t, [{ addPrefix: { prefix: '/foo/' } }]);
  await httpRequest({ port, path: '/bar' });
  assert.equal(app.seen[0]?.url, '/foo//bar');
});

test('chain{middlewares: [a, b]} runs a then b, names qualified in the chain\'s provider', async (t) => {
  const app = await startBackend('app');
  t.after(() => app.close());
  const { config, issues } = validateDynamicConfig({
    http: { middlewares: { both: { chain: { middlewares: ['a', 'b'] } }, a: { addPrefix: { prefix: '/a' } }, b: { addPrefix: { prefix: '/b' } } } },
  });
  assert.deepEqual(issues, []);
  const middlewares = Object.fromEntries(Object.entries(config.http.middlewares).map(([name, m]) => [`${name}@file`, m]));
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['both'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares,
    },
  }));
  t.after(() => proxy.close(0));
  assert.equal((await httpRequest({ port: proxy.port('web'), path: '/x' })).status, 200);
  // a first (/a/x), then b in front of it: /b/a/x. Without the chain's middlewares the backend would see /x.
  assert.equal(app.seen[0]?.url, '/b/a/x');
});
