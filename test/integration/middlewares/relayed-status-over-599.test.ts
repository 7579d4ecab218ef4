// A status above 599 a middleware relays (a forwardAuth server's, circuitBreaker's responseCode): Traefik writes it
// as it is (Go's servers write any three digits). HTTP/1.1 clients get it so from pe-edge; node's HTTP/2 server
// cannot send it, so HTTP/2 clients get what the forwarder gives them for such a server status, 502 Bad Gateway,
// not a reset stream.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startRawBackend, type RawBackend } from '../../support/raw-backend.js';
import { buildInput, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { rawExchange } from '../../support/raw-exchange.js';

async function edge(t: TestContext, middleware: (auth: RawBackend) => Record<string, unknown> = (auth) => ({ forwardAuth: { address: `${auth.url}/verify` } }), appStatus = 200): Promise<{ port: number; appAsked: () => number }> {
  const auth = await startRawBackend((socket) => socket.write('HTTP/1.1 999 Odd\r\nContent-Length: 6\r\nX-Why: odd\r\n\r\ndenied'));
  const app = await startRawBackend((socket) => socket.write(`HTTP/1.1 ${appStatus} X\r\nContent-Length: 2\r\n\r\nok`));
  t.after(() => auth.close());
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['m'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: fileMiddlewares({ m: middleware(auth) }),
    },
  }));
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), appAsked: () => app.heads.length };
}

function h2Ask(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string; rstCode: number }> {
  return new Promise((resolve) => {
    const stream = session.request({ ':path': path, ':authority': 'app.test' });
    let status = 0;
    let body = '';
    stream.setEncoding('latin1');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: string) => (body += c));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ status, body, rstCode: stream.rstCode ?? -1 }));
  });
}

test('forwardAuth, auth status 999: HTTP/1.1 clients get it relayed (Go\'s status line, headers, body); the backend is never asked', async (t) => {
  const { port, appAsked } = await edge(t);
  const { text } = await rawExchange(port, ['GET /x HTTP/1.1\r\nHost: app.test\r\n\r\n'], /denied$/, 3000);
  assert.match(text, /^HTTP\/1\.1 999 status code 999\r\n/);
  assert.match(text, /\r\nX-Why: odd\r\n/i);
  assert.match(text, /\r\n\r\ndenied$/);
  assert.equal(appAsked(), 0);
});

test('forwardAuth, auth status 999 to an HTTP/2 client: 502 Bad Gateway, as the forwarder answers such a status, not a reset stream; the session goes on', async (t) => {
  const { port, appAsked } = await edge(t);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => { session.destroy(); });
  assert.deepEqual(await h2Ask(session, '/x'), { status: 502, body: 'Bad Gateway', rstCode: 0 });
  assert.deepEqual(await h2Ask(session, '/y'), { status: 502, body: 'Bad Gateway', rstCode: 0 }, 'the next stream is answered the same way');
  assert.equal(appAsked(), 0);
});

test('circuitBreaker responseCode 999, tripped: HTTP/1.1 clients get 999, HTTP/2 clients 502 Bad Gateway, not a reset stream', async (t) => {
  const { port, appAsked } = await edge(t, () => ({ circuitBreaker: { expression: 'ResponseCodeRatio(500, 600, 0, 600) > 0.5', responseCode: 999 } }), 500);
  const first = await rawExchange(port, ['GET /x HTTP/1.1\r\nHost: app.test\r\n\r\n'], /ok$/, 3000);
  assert.match(first.text, /^HTTP\/1\.1 500 /, 'the backend\'s 500 trips the breaker');
  const tripped = await rawExchange(port, ['GET /x HTTP/1.1\r\nHost: app.test\r\n\r\n'], /\r\n\r\n/, 3000);
  assert.match(tripped.text, /^HTTP\/1\.1 999 status code 999\r\n/);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => { session.destroy(); });
  assert.deepEqual(await h2Ask(session, '/x'), { status: 502, body: 'Bad Gateway', rstCode: 0 });
  assert.equal(appAsked(), 1);
});
