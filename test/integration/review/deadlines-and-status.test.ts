import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startRawBackend } from '../../support/raw-backend.js';
import { exchange, sleep, echoBackend } from './child.js';

// Review findings: request bodies that escape respondingTimeouts.readTimeout, and a 101 answered with 502.

const READ_TIMEOUT = 1000;

async function proxyTo(t: { after: (fn: () => Promise<void>) => void }, url: string, tlsRouter = false) {
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', ...(tlsRouter ? { tls: {} } : {}) } },
      services: { 's@file': { loadBalancer: { servers: [{ url }] } } },
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: READ_TIMEOUT, idleTimeout: 1500 })]);
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

test('readTimeout cuts an HTTP/2 request body that trickles (Go\'s http2 server resets the stream at ReadTimeout)', async (t) => {
  const port = await proxyTo(t, await echoBackend(t), true);
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'a.test' });
  stream.on('error', () => undefined);
  let outcome = 'open';
  stream.on('response', (h) => (outcome = `status ${String(h[':status'])}`));
  stream.on('close', () => (outcome += ` closed (rst ${stream.rstCode})`));
  // One body byte every 300 ms for 4.5 s: the session is never idle, the body never ends.
  const started = Date.now();
  while (Date.now() - started < 4500 && !stream.closed) {
    stream.write('x');
    await sleep(300);
  }
  assert.ok(stream.closed, `the stream is still ${outcome} ${Date.now() - started} ms after its head, with readTimeout ${READ_TIMEOUT} ms`);
});

test('readTimeout cuts an HTTP/2 request whose body never comes, even while the client sends PINGs', async (t) => {
  const port = await proxyTo(t, await echoBackend(t), true);
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'a.test' });
  stream.on('error', () => undefined);
  const started = Date.now();
  while (Date.now() - started < 4500 && !stream.closed) {
    session.ping(() => undefined);
    await sleep(300);
  }
  assert.ok(stream.closed, `the stream is still open ${Date.now() - started} ms after its head, with readTimeout ${READ_TIMEOUT} ms`);
});

test('readTimeout cuts a trickled body of a request that carries Upgrade (served as a plain request)', async (t) => {
  const port = await proxyTo(t, await echoBackend(t));
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  socket.write('POST /x HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 100\r\n\r\n');
  const started = Date.now();
  while (Date.now() - started < 4500 && !socket.destroyed) {
    socket.write('x');
    await sleep(300);
  }
  assert.ok(socket.destroyed, `the connection is still open ${Date.now() - started} ms after its head, with readTimeout ${READ_TIMEOUT} ms`);
});

test('a 101 answering a request that asked for no upgrade gets Traefik\'s 500 (as forwarder.ts says), not 502', async (t) => {
  const backend = await startRawBackend((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'));
  t.after(() => backend.close());
  const port = await proxyTo(t, backend.url);
  const answer = await exchange(port, 'GET /x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 500 Internal Server Error\r\n[\s\S]*\r\n\r\nInternal Server Error$/);
});

test('readTimeout leaves alone a body that arrived whole in time and is read late (a slow forwardAuth), on HTTP/2, h2c and HTTP/1.1', async (t) => {
  // The backend answers with what it read; the auth server takes 2.5 readTimeouts to say yes. Go keeps a body
  // it already received (its deadline finds the body closed); so must pe-edge, on every front.
  const app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`got ${Buffer.concat(chunks).toString()}`));
  });
  const auth = http.createServer((_req, res) => setTimeout(() => res.end('ok'), READ_TIMEOUT * 2.5));
  for (const s of [app, auth]) {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }));
  }
  const url = (s: http.Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const forwardAuth = validateDynamicConfig({ http: { middlewares: { auth: { forwardAuth: { address: url(auth) } } } } }).config.http.middlewares.auth as Record<string, unknown>;
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'tls@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['auth'], tls: {} },
        'plain@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['auth'] },
      },
      middlewares: { 'auth@file': forwardAuth },
      services: { 's@file': { loadBalancer: { servers: [{ url: url(app) }] } } },
    },
  }), [entryPointOptions('web', '127.0.0.1:0', { readTimeout: READ_TIMEOUT, idleTimeout: 10_000 })]);
  t.after(() => proxy.close(0));
  const port = proxy.port('web');

  const h2post = (session: http2.ClientHttp2Session): Promise<string> => new Promise((resolve) => {
    session.on('error', () => undefined);
    const stream = session.request({ ':method': 'POST', ':path': '/form', ':authority': 'a.test' });
    stream.end('name=value');
    let status = '';
    let body = '';
    stream.on('response', (h) => (status = String(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve(`${status} ${body} (rst ${stream.rstCode})`));
  });
  const tlsSession = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  t.after(() => tlsSession.destroy());
  const h2cSession = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => h2cSession.destroy());
  const h1 = new Promise<string>((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/form', headers: { host: 'a.test', 'content-length': '10' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(`${String(res.statusCode)} ${body}`));
    });
    req.on('error', reject);
    req.end('name=value');
  });
  const [overTls, overH2c, overH1] = await Promise.all([h2post(tlsSession), h2post(h2cSession), h1]);
  assert.equal(overTls, '200 got name=value (rst 0)', 'HTTP/2');
  assert.equal(overH2c, '200 got name=value (rst 0)', 'h2c');
  assert.equal(overH1, '200 got name=value', 'HTTP/1.1');
});
