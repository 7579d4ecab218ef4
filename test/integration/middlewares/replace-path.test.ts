import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest } from '../../support/tls-clients.js';
import { proxyThrough } from './path-proxy.js';

test('seed: replacePath{path: /x}: the backend sees /x and X-Replaced-Path: /orig', async (t) => {
  const { app, port } = await proxyThrough(t, [{ replacePath: { path: '/x' } }]);
  assert.equal((await httpRequest({ port, path: '/orig?q=1' })).status, 200);
  assert.equal(app.seen[0]?.url, '/x?q=1');
  assert.equal(app.seen[0]?.headers['x-replaced-path'], '/orig');
});

test('replacePathRegex: capture groups rewrite the escaped path, X-Replaced-Path carries the original', async (t) => {
  const { app, port } = await proxyThrough(t, [{ replacePathRegex: { regex: '^/foo/(.*)', replacement: '/bar/$1' } }]);
  await httpRequest({ port, path: '/foo/a%2Fb?q=1' });
  await httpRequest({ port, path: '/other' });
  assert.equal(app.seen[0]?.url, '/bar/a%2Fb?q=1');
  assert.equal(app.seen[0]?.headers['x-replaced-path'], '/foo/a%2Fb');
  assert.equal(app.seen[1]?.url, '/other');
  assert.equal(app.seen[1]?.headers['x-replaced-path'], undefined);
});

test('v3.6: replacePathRegex answers 400 when the result holds a dot segment', async (t) => {
  const { app, port } = await proxyThrough(t, [{ replacePathRegex: { regex: '^/api', replacement: '/x/' } }]);
  assert.equal((await httpRequest({ port, path: '/api../etc' })).status, 400);
  assert.equal(app.seen.length, 0);
});

test('replacePathRegex with an empty or blank replacement removes what matches (Traefik does not skip it)', async (t) => {
  for (const replacement of ['', '   ']) {
    const { app, port } = await proxyThrough(t, [{ replacePathRegex: { regex: '^/api', replacement } }]);
    const get = await httpRequest({ port, path: '/api/users?x=1' });
    assert.equal(get.status, 200);
    const post = await httpRequest({ port, path: '/api/items', method: 'POST', body: 'b' });
    assert.equal(post.status, 200);
    assert.deepEqual(app.seen.map((s) => [s.url, s.headers['x-replaced-path']]), [['/users?x=1', '/api/users'], ['/items', '/api/items']]);
  }
});
