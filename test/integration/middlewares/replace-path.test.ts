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
