import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest } from '../../support/tls-clients.js';
import { proxyThrough } from './path-proxy.js';

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
