import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest } from '../../support/tls-clients.js';
import { proxyThrough } from './path-proxy.js';

test('redirectRegex: matched on scheme://host:port/uri; GET ⇒ 302, POST ⇒ 307, body is the status text', async (t) => {
  const { app, port } = await proxyThrough(t, [{ redirectRegex: { regex: '^http://localhost:(\\d+)/old/(.*)', replacement: 'http://example.test:${1}/new/$2' } }]);
  const get = await httpRequest({ port, host: `localhost:${port}`, path: '/old/p?q=1' });
  assert.equal(get.status, 302);
  assert.equal(get.headers.location, `http://example.test:${port}/new/p?q=1`);
  assert.equal(get.headers['content-type'], undefined);
  assert.equal(get.body, 'Found');
  const post = await httpRequest({ port, host: `localhost:${port}`, path: '/old/p', method: 'POST', body: 'x' });
  assert.equal(post.status, 307);
  assert.equal(app.seen.length, 0);
});

test('redirectRegex permanent: GET ⇒ 301, PUT ⇒ 308; no match passes through', async (t) => {
  const { app, port } = await proxyThrough(t, [{ redirectRegex: { regex: '^http://[^/]+/a$', replacement: 'https://b.test/', permanent: true } }]);
  assert.equal((await httpRequest({ port, path: '/a' })).status, 301);
  assert.equal((await httpRequest({ port, path: '/a', method: 'PUT', body: '' })).status, 308);
  assert.equal((await httpRequest({ port, path: '/b' })).status, 200);
  assert.equal(app.seen.length, 1);
});

test('contentType {}: a response without Content-Type keeps none (Node never sniffs)', async (t) => {
  const { port } = await proxyThrough(t, [{ contentType: {} }], (_req, res) => {
    res.writeHead(200);
    res.end('<html></html>');
  });
  const r = await httpRequest({ port });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], undefined);
});

test('redirectRegex: a result Go\'s url.Parse refuses answers 502 Bad Gateway (oxy\'s handler), on both HTTP/1.1 fronts', async (t) => {
  const { app, port } = await proxyThrough(t, [{ redirectRegex: { regex: '^http://[^/]+/(.*)$', replacement: ':$1' } }]);
  for (const body of [undefined, 'x']) {
    const r = await httpRequest({ port, path: '/go', method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }) });
    assert.equal(r.status, 502);
    assert.equal(r.body, 'Bad Gateway');
    assert.equal(r.headers.location, undefined);
    assert.equal(r.headers['content-type'], undefined);
  }
  assert.equal(app.seen.length, 0);
});

test('redirectScheme forcePermanentRedirect (v3.6): 308 for GET and POST, even with permanent: false', async (t) => {
  const { app, port } = await proxyThrough(t, [{ redirectScheme: { scheme: 'https', forcePermanentRedirect: true } }]);
  const get = await httpRequest({ port, host: 'x.test', path: '/p?q=1' });
  assert.equal(get.status, 308);
  assert.equal(get.headers.location, 'https://x.test/p?q=1');
  assert.equal(get.body, 'Permanent Redirect');
  const post = await httpRequest({ port, host: 'x.test', path: '/p', method: 'POST', body: 'x' });
  assert.equal(post.status, 308);
  assert.equal(app.seen.length, 0);
});

test('redirectScheme scheme and port: Location takes both; a request already on that scheme and port passes through', async (t) => {
  const https = await proxyThrough(t, [{ redirectScheme: { scheme: 'https', port: '8443' } }]);
  const moved = await httpRequest({ port: https.port, host: 'x.test:8080', path: '/p?q=1' });
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.location, 'https://x.test:8443/p?q=1', 'the scheme and the port asked for, the request\'s port dropped');

  const http = await proxyThrough(t, [{ redirectScheme: { scheme: 'http', port: '80' } }]);
  const kept = await httpRequest({ port: http.port, host: 'x.test', path: '/p' });
  assert.equal(kept.status, 200, 'http://x.test/p is already the target: no loop');
  assert.equal(http.app.seen.length, 1);
  const toDefault = await httpRequest({ port: http.port, host: 'x.test:8080', path: '/p' });
  assert.equal(toDefault.status, 302);
  assert.equal(toDefault.headers.location, 'http://x.test/p', 'port 80 is the default for http: left out');
});
