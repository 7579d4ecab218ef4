import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest } from '../../support/tls-clients.js';
import { proxyThrough } from './path-proxy.js';

test('seed: stripPrefix{prefixes: [/api]}: /api/users reaches the backend as /users with X-Forwarded-Prefix: /api', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefix: { prefixes: ['/api'] } }]);
  const r = await httpRequest({ port, path: '/api/users?x=1' });
  assert.equal(r.status, 200);
  assert.equal(app.seen[0]?.url, '/users?x=1');
  assert.equal(app.seen[0]?.headers['x-forwarded-prefix'], '/api');
});

test('seed: stripPrefix{prefixes: [/api]}: /api reaches the backend as /', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefix: { prefixes: ['/api'] } }]);
  assert.equal((await httpRequest({ port, path: '/api' })).status, 200);
  assert.equal(app.seen[0]?.url, '/');
});

test('stripPrefix: a client cannot forge X-Forwarded-Prefix, the middleware\'s value alone reaches the backend', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefix: { prefixes: ['/api'] } }]);
  await httpRequest({ port, path: '/api/x', headers: { 'x-forwarded-prefix': '/evil' } });
  await httpRequest({ port, path: '/other', headers: { 'x-forwarded-prefix': '/evil' } });
  assert.equal(app.seen[0]?.headers['x-forwarded-prefix'], '/api');
  assert.equal(app.seen[1]?.headers['x-forwarded-prefix'], undefined);
});

test('stripPrefix forceSlash (deprecated) honoured when true: /api ⇒ /', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefix: { prefixes: ['/api'], forceSlash: true } }]);
  await httpRequest({ port, path: '/api' });
  assert.equal(app.seen[0]?.url, '/');
});

test('stripPrefix then addPrefix: an exact match leaves an empty path, so /api ⇒ /v1 (not /v1/)', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefix: { prefixes: ['/api'] } }, { addPrefix: { prefix: '/v1' } }]);
  await httpRequest({ port, path: '/api' });
  assert.equal(app.seen[0]?.url, '/v1');
});

test('v3.6: stripPrefix answers 400 when the result would normalise to another path (/api./foo, /foo../bar)', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefix: { prefixes: ['/api', '/foo'] } }]);
  for (const path of ['/api./foo', '/foo../bar', '/api%2e%2e/secret']) {
    const r = await httpRequest({ port, path });
    assert.equal(r.status, 400, path);
    assert.equal(r.body, 'Bad Request\n');
  }
  assert.equal(app.seen.length, 0);
});

test('stripPrefixRegex: the matched text is stripped and sent as X-Forwarded-Prefix', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefixRegex: { regex: ['/foo/[a-z0-9]+/[0-9]+/'] } }]);
  await httpRequest({ port, path: '/foo/abc/12/bar' });
  await httpRequest({ port, path: '/x/foo/abc/12/bar' });
  assert.equal(app.seen[0]?.url, '/bar');
  assert.equal(app.seen[0]?.headers['x-forwarded-prefix'], '/foo/abc/12/');
  assert.equal(app.seen[1]?.url, '/x/foo/abc/12/bar');
});

test('v3.6: stripPrefixRegex answers 400 on a result with a dot segment', async (t) => {
  const { app, port } = await proxyThrough(t, [{ stripPrefixRegex: { regex: ['^/api'] } }]);
  assert.equal((await httpRequest({ port, path: '/api./foo' })).status, 400);
  assert.equal(app.seen.length, 0);
});
