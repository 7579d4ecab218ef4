import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { httpsRequest } from '../../support/tls-clients.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { h2Request } from '../../support/h2-request.js';

/** A TLS router for a.test in front of an HTTP/1.1 backend that echoes what it got. */
async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const backend = await startBackend('h1', (req, res, body) => {
    res.writeHead(req.method === 'POST' ? 201 : 200, {
      'content-type': 'text/plain',
      'x-backend-version': req.httpVersion,
      'x-seen-method': req.method ?? '',
      'set-cookie': ['a=1', 'b=2'],
    });
    res.end(req.method === 'POST' ? `got ${body.length} bytes: ${body.slice(0, 20)}` : `hello ${req.url ?? ''}`);
  });
  t.after(() => backend.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} } },
        services: { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }),
  );
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  // The certificate is verified against a.test (servername), with itself as the only CA.
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert.cert, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return { backend, port, session };
}

test('HTTP/2 (ALPN h2) GET reaches the HTTP/1.1 backend and returns status, headers and body', async (t) => {
  const { backend, port, session } = await setup(t);
  assert.equal(session.alpnProtocol, 'h2', 'the proxy negotiates h2');
  const res = await h2Request(session, { ':method': 'GET', ':path': '/page?x=1', ':authority': `a.test:${port}`, 'x-client': 'yes' });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'hello /page?x=1');
  assert.equal(res.headers['content-type'], 'text/plain');
  assert.equal(res.headers['x-backend-version'], '1.1', 'the backend was spoken to in HTTP/1.1');
  assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(res.headers.connection, undefined, 'no connection-specific header in an h2 response');

  const seen = backend.seen[0];
  assert.ok(seen);
  assert.equal(seen.method, 'GET');
  assert.equal(seen.headers.host, `a.test:${port}`, ':authority becomes Host');
  assert.equal(seen.headers['x-client'], 'yes');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-port'], String(port));
});

test('HTTP/2 POST streams its body to the backend and the answer back', async (t) => {
  const { backend, session } = await setup(t);
  const small = await h2Request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'a.test', 'content-type': 'text/plain' }, 'hello body');
  assert.equal(small.status, 201);
  assert.equal(small.body, 'got 10 bytes: hello body');
  assert.equal(backend.seen[0]?.body, 'hello body');
  assert.equal(backend.seen[0]?.method, 'POST');

  // Larger than the default HTTP/2 window (64 KiB) and with no content-length: flow control and end-of-stream must work.
  const big = 'x'.repeat(300_000);
  const large = await h2Request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'a.test' }, big);
  assert.equal(large.status, 201);
  assert.equal(large.body, 'got 300000 bytes: xxxxxxxxxxxxxxxxxxxx');
  assert.equal(backend.seen[1]?.body.length, 300_000);
});

test('HTTP/2 requests for an unknown host get 404 over the same session', async (t) => {
  const { backend, session } = await setup(t);
  const res = await h2Request(session, { ':method': 'GET', ':path': '/', ':authority': 'other.test' });
  assert.equal(res.status, 404);
  assert.equal(res.body, '404 page not found\n');
  assert.equal(backend.seen.length, 0);
});

test('HTTP/1.1 on the same TLS port also works', async (t) => {
  const { backend, port } = await setup(t);
  const res = await httpsRequest({ port, host: 'a.test', path: '/one', tls: { ALPNProtocols: ['http/1.1'] } });
  assert.equal(res.status, 200);
  assert.equal(res.httpVersion, '1.1');
  assert.equal(res.body, 'hello /one');
  const post = await httpsRequest({ port, host: 'a.test', path: '/two', method: 'POST', body: 'abc' });
  assert.equal(post.status, 201);
  assert.equal(post.body, 'got 3 bytes: abc');
  assert.equal(backend.seen.length, 2);
});
