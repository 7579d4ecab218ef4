import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend, type Backend, type BackendHandler } from '../../support/backends.js';
import { buildInput, oneClientConnection, startProxy } from '../../support/proxy-fixture.js';
import { request } from 'undici';
import { httpRequest } from '../../support/tls-clients.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import type { EdgeProxy } from '../../../proxy/index.js';

type After = { after: (fn: () => Promise<void> | void) => void };

/** The error-page service: names the page it was asked for, with headers of its own. */
const pageHandler: BackendHandler = (req, res) => {
  const body = `page ${req.url ?? ''}`;
  res.writeHead(200, { 'content-type': 'text/html', 'x-error-page': 'yes', 'content-length': String(body.length) });
  res.end(body);
};

/** A proxy with router `r` (catch-all) through `chain` to the app, and service `err` for error pages. */
async function setup(t: After, middlewares: Record<string, unknown>, chain: string[], app: BackendHandler | string, options: { tls?: boolean; errorUrl?: string } = {}) {
  const { config, issues } = validateDynamicConfig({ http: { middlewares } });
  const errors = issues.filter((i) => i.severity === 'error');
  assert.deepEqual(errors, []);
  const validated = Object.fromEntries(Object.entries(config.http.middlewares).map(([k, v]) => [`${k}@file`, v])) as Record<string, Record<string, unknown>>;
  let backend: Backend | null = null;
  if (typeof app !== 'string') {
    backend = await startBackend('app', app);
    t.after(() => (backend as Backend).close());
  }
  const pages = await startBackend('pages', pageHandler);
  t.after(() => pages.close());
  let tls = {};
  let ca: string | Buffer | undefined;
  if (options.tls === true) {
    const fixtures = fixtureDir();
    t.after(() => fixtures.remove());
    const cert = fixtures.make('a.test', ['a.test']);
    ca = cert.cert;
    tls = { tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} } };
  }
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: chain, ...(options.tls === true ? { tls: {} } : {}) } },
      services: {
        's@file': { loadBalancer: { servers: [{ url: typeof app === 'string' ? app : (backend as Backend).url }] } },
        'err@file': { loadBalancer: { servers: [{ url: options.errorUrl ?? pages.url }] } },
      },
      middlewares: validated,
    },
    ...tls,
  }));
  t.after(() => proxy.close(0));
  return { app: backend, pages, proxy, port: proxy.port('web'), ca };
}

const answering = (status: number, headers: Record<string, string> = {}): BackendHandler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'text/plain', 'x-from-app': 'yes', ...headers });
  res.end(`app says ${status}`);
};

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('errors: a 500 in the range is replaced by the page, sent with 500; the app\'s headers and body are dropped (lean front)', async (t) => {
  const { pages, port } = await setup(t, { e: { errors: { status: ['500-599'], service: 'err', query: '/{status}.html' } } }, ['e'], answering(500));
  const r = await httpRequest({ port, path: '/some/where?x=1', host: 'shop.test:8080', headers: { 'x-request-id': 'abc', authorization: 'Bearer t' } });
  assert.equal(r.status, 500);
  assert.equal(r.body, 'page /500.html');
  assert.equal(r.headers['x-error-page'], 'yes');
  assert.equal(r.headers['content-type'], 'text/html');
  assert.equal(r.headers['x-from-app'], undefined);
  assert.equal(pages.seen.length, 1);
  const seen = pages.seen[0];
  assert.equal(seen?.method, 'GET');
  assert.equal(seen?.url, '/500.html');
  // Traefik asks for http://<original Host><query> with the request's headers (passHostHeader: the client's Host).
  assert.equal(seen?.headers.host, 'shop.test:8080');
  assert.equal(seen?.headers['x-request-id'], 'abc');
  assert.equal(seen?.headers.authorization, 'Bearer t');
});

test('errors: a POST with a body (lean front) gets the page of a GET without body; {url} and {originalStatus}', async (t) => {
  const { app, pages, port } = await setup(t, {
    e: { errors: { status: ['418', '503'], service: 'err', query: 'oops?s={status}&o={originalStatus}&u={url}', statusRewrites: { '418': 404 } } },
  }, ['e'], answering(418));
  const r = await httpRequest({ port, method: 'POST', path: '/a%20b/c?q=1&r=two%20words', host: 'shop.test', body: 'payload', headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 404);
  assert.equal(app?.seen[0]?.body, 'payload');
  const seen = pages.seen[0];
  assert.equal(seen?.method, 'GET');
  assert.equal(seen?.body, '');
  assert.equal(seen?.headers['content-length'], undefined);
  assert.equal(seen?.headers['transfer-encoding'], undefined);
  assert.equal(seen?.headers['content-type'], 'text/plain');
  assert.equal(seen?.url, '/oops?s=404&o=418&u=' + 'http%3A%2F%2Fshop.test%2Fa%2520b%2Fc%3Fq%3D1%26r%3Dtwo%2520words');
  assert.equal(r.body, `page ${seen?.url ?? ''}`);
});

test('errors: answers outside the ranges pass untouched and stream (the head and first bytes before the app ends)', async (t) => {
  let finish: () => void = () => undefined;
  const { pages, port } = await setup(t, { e: { errors: { status: ['500-599'], service: 'err' } } }, ['e'], (_req, res) => {
    res.writeHead(404, { 'x-from-app': 'yes' });
    res.write('first ');
    finish = () => res.end('last');
  });
  const chunks: string[] = [];
  const result = await new Promise<{ status: number; header: string | string[] | undefined; body: string }>((resolve, reject) => {
    const req = net.connect(port, '127.0.0.1', () => req.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n'));
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
      chunks.push(c.toString());
      if (text.includes('first ') && !text.includes('last')) finish();
      if (text.endsWith('0\r\n\r\n')) {
        req.destroy();
        const status = Number(text.slice(9, 12));
        resolve({ status, header: /x-from-app: yes/i.test(text) ? 'yes' : undefined, body: text });
      }
    });
    req.on('error', reject);
  });
  assert.equal(result.status, 404);
  assert.equal(result.header, 'yes');
  assert.match(result.body, /first [\s\S]*last/);
  assert.equal(pages.seen.length, 0);
});

test('errors: a 502 pe-edge answers itself (app down) is caught too, as Traefik\'s writer wrapper catches it', async (t) => {
  const { pages, port } = await setup(t, { e: { errors: { status: ['502'], service: 'err', query: '/down' } } }, ['e'], `http://127.0.0.1:${await closedPort()}`);
  const r = await httpRequest({ port });
  assert.equal(r.status, 502);
  assert.equal(r.body, 'page /down');
  assert.equal(pages.seen.length, 1);
});

test('errors: when the error service fails too, the client gets the caught status with that failure\'s body', async (t) => {
  const { port } = await setup(t, { e: { errors: { status: ['500'], service: 'err' } } }, ['e'], answering(500), { errorUrl: `http://127.0.0.1:${await closedPort()}` });
  const r = await httpRequest({ port });
  assert.equal(r.status, 500);
  assert.equal(r.body, 'Bad Gateway');
});

test('errors: errorRequestHeaders lists the headers the page request carries', async (t) => {
  const { pages, port } = await setup(t, { e: { errors: { status: ['500'], service: 'err', errorRequestHeaders: ['X-Request-Id'] } } }, ['e'], answering(500));
  const r = await httpRequest({ port, headers: { 'x-request-id': 'abc', authorization: 'Bearer secret', cookie: 'a=b' } });
  assert.equal(r.status, 500);
  assert.equal(r.body, 'page /');
  const seen = pages.seen[0]?.headers;
  assert.equal(seen?.['x-request-id'], 'abc');
  assert.equal(seen?.authorization, undefined);
  assert.equal(seen?.cookie, undefined);
});

test('errors: middlewares outside it decorate the page, those inside it do not; a 429 from inside is caught', async (t) => {
  const { app, port } = await setup(t, {
    outer: { headers: { customResponseHeaders: { 'X-Outer': 'o' } } },
    e: { errors: { status: ['429', '500'], service: 'err', query: '/{status}' } },
    inner: { headers: { customResponseHeaders: { 'X-Inner': 'i' } } },
    limit: { rateLimit: { average: 1, period: '1m', burst: 1 } },
  }, ['outer', 'e', 'inner', 'limit'], answering(200));
  const first = await httpRequest({ port });
  assert.equal(first.status, 200);
  assert.equal(first.headers['x-outer'], 'o');
  assert.equal(first.headers['x-inner'], 'i');
  const limited = await httpRequest({ port });
  assert.equal(limited.status, 429);
  assert.equal(limited.body, 'page /429');
  assert.equal(limited.headers['x-outer'], 'o');
  assert.equal(limited.headers['x-inner'], undefined);
  assert.equal(app?.seen.length, 1);
});

test('errors: over HTTP/2 the page comes with the caught status', async (t) => {
  const { pages, proxy, ca } = await setup(t, { e: { errors: { status: ['500-599'], service: 'err', query: '/{status}' } } }, ['e'], answering(503), { tls: true });
  const session = http2.connect(`https://127.0.0.1:${(proxy as EdgeProxy).port('web')}`, { ca, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'GET', ':path': '/x', ':authority': 'a.test', 'x-request-id': 'h2' });
  const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => { stream.once('response', resolve); stream.once('error', reject); });
  let body = '';
  for await (const chunk of stream) body += (chunk as Buffer).toString();
  assert.equal(head[':status'], 503);
  assert.equal(body, 'page /503');
  assert.equal(pages.seen[0]?.headers.host, 'a.test');
  assert.equal(pages.seen[0]?.headers['x-request-id'], 'h2');
});

test('errors: a service that does not exist disables the router with the reason', async (t) => {
  const { proxy, port } = await setup(t, { e: { errors: { status: ['500'], service: 'nope' } } }, ['e'], answering(500));
  const r = await httpRequest({ port });
  assert.equal(r.status, 404);
  const router = proxy.runtime.status.get('router', 'r@file');
  assert.equal(router?.status, 'disabled');
  assert.match(router?.errors.join('\n') ?? '', /the service "nope@file" does not exist/);
});

test('errors: caught answers keep both connections usable: three in a row on one client connection, a HEAD among them', async (t) => {
  const { app, pages, port } = await setup(t, { e: { errors: { status: ['500'], service: 'err', query: '/{status}' } } }, ['e'], (_req, res) => {
    res.writeHead(500, { 'content-length': '5000' });
    res.end('x'.repeat(5000));
  });
  const agent = oneClientConnection(t);
  for (const method of ['GET', 'HEAD', 'GET'] as const) {
    const r = await request(`http://127.0.0.1:${port}/`, { method, dispatcher: agent });
    assert.equal(r.statusCode, 500);
    assert.equal(await r.body.text(), method === 'HEAD' ? '' : 'page /500');
  }
  assert.equal(app?.seen.length, 3);
  assert.equal(pages.seen.length, 3);
});

test('errors: statusRewrites to 204 sends the head alone (no Content-Length of the page), over HTTP/1.1 and HTTP/2; a dead error service too', async (t) => {
  const rewrite = { e: { errors: { status: ['500'], service: 'err', query: '/', statusRewrites: { '500': 204 } } } };
  const { proxy, ca } = await setup(t, rewrite, ['e'], answering(500), { tls: true });
  const session = http2.connect(`https://127.0.0.1:${(proxy as EdgeProxy).port('web')}`, { ca, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  for (const method of ['GET', 'HEAD']) {
    const stream = session.request({ ':method': method, ':path': '/x', ':authority': 'a.test' });
    const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => { stream.once('response', resolve); stream.once('error', reject); });
    let body = '';
    for await (const chunk of stream) body += (chunk as Buffer).toString();
    assert.equal(head[':status'], 204, method);
    assert.equal(head['content-length'], undefined, method);
    assert.equal(body, '');
  }
  const plain = await setup(t, rewrite, ['e'], answering(500));
  const r = await httpRequest({ port: plain.port });
  assert.deepEqual([r.status, r.headers['content-length'], r.body], [204, undefined, '']);
  const dead = await setup(t, rewrite, ['e'], answering(500), { errorUrl: `http://127.0.0.1:${await closedPort()}` });
  const d = await httpRequest({ port: dead.port });
  assert.deepEqual([d.status, d.headers['content-length'], d.body], [204, undefined, '']);
});

test('errors: a caught answer whose body never ends is cut after 1 MiB and the page served', async (t) => {
  const endless: BackendHandler = (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const timer = setInterval(() => { if (!res.destroyed) res.write(chunk); }, 2);
    res.on('close', () => clearInterval(timer));
  };
  const { port } = await setup(t, { e: { errors: { status: ['500'], service: 'err', query: '/{status}' } } }, ['e'], endless);
  const started = Date.now();
  const r = await httpRequest({ port });
  assert.equal(r.status, 500);
  assert.equal(r.body, 'page /500');
  assert.ok(Date.now() - started < 3000, `served in ${Date.now() - started} ms`);
});
