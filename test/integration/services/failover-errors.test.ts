// failover.errors (Traefik v3.7): the main service's error answers go to the fallback, the request body sent again.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

/** The main backend answers the status its path names (/503 → 503), with a header and a cookie of its own. */
async function statusBackend(t: TestContext): Promise<Backend> {
  const b = await startBackend('main', (req, res) => {
    const status = Number((req.url ?? '/').slice(1).split('?')[0]) || 200;
    res.writeHead(status, { 'x-main': 'yes', 'set-cookie': 'main=1' });
    res.end(`main ${status}`);
  });
  t.after(() => b.close());
  return b;
}

/** The fallback answers what it got: method, path and body. */
async function echoBackend(t: TestContext, name = 'spare'): Promise<Backend> {
  const b = await startBackend(name, (req, res, body) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name} ${req.method} ${req.url} ${body}`);
  });
  t.after(() => b.close());
  return b;
}

const lb = (...urls: string[]): object => ({ loadBalancer: { servers: urls.map((url) => ({ url })) } });

async function edge(t: TestContext, services: Record<string, object>, middlewares: Record<string, Record<string, unknown>> = {}, routerMiddlewares: string[] = []) {
  const proxy = await startProxy(buildInput({
    http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'fo', middlewares: routerMiddlewares } }, services, middlewares },
  }));
  t.after(() => proxy.close(0));
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  const send = async (path: string, init: { method?: string; body?: string | Readable } = {}) => {
    const res = await request(base + path, { method: (init.method ?? 'GET') as 'GET', body: init.body });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  };
  return { proxy, send };
}

test('failover.errors: an answer in status goes to the fallback with the same method, path and body; answers outside it stand', async (t) => {
  const main = await statusBackend(t);
  const spare = await echoBackend(t);
  const { send } = await edge(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare', errors: { status: ['500-504'] } } },
    'main@file': lb(main.url),
    'spare@file': lb(spare.url),
  });
  const failedOver = await send('/503?q=1', { method: 'POST', body: 'payload' });
  assert.equal(failedOver.status, 200);
  assert.equal(failedOver.body, 'spare POST /503?q=1 payload');
  assert.equal(failedOver.headers['x-main'], undefined, 'nothing of the dropped answer reaches the client');
  assert.equal(failedOver.headers['set-cookie'], undefined);
  assert.deepEqual(main.seen.map((s) => `${s.method} ${s.url} ${s.body}`), ['POST /503?q=1 payload'], 'the main service got the request first');
  assert.deepEqual([await send('/404'), await send('/505'), await send('/200')].map((r) => `${r.status} ${r.body} ${String(r.headers['x-main'])}`),
    ['404 main 404 yes', '505 main 505 yes', '200 main 200 yes']);
  assert.equal(spare.seen.length, 1, 'only the answer in 500-504 went to the fallback');
});

test('failover.errors: a main service that cannot be reached (502) fails over, and needs no health check once errors has a status', async (t) => {
  const gone = await startBackend('gone');
  await gone.close();
  const spare = await echoBackend(t);
  const { proxy, send } = await edge(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare', errors: { status: ['502'] } } },
    'main@file': lb(gone.url),
    'spare@file': lb(spare.url),
  });
  assert.equal(proxy.runtime.status.get('service', 'fo@file')?.status, 'enabled');
  const res = await send('/x', { method: 'PUT', body: 'again' });
  assert.equal(`${res.status} ${res.body}`, '200 spare PUT /x again');
});

test('failover.errors maxRequestBodyBytes: a larger body is refused with 413 before the main service sees it; a body within it is sent twice', async (t) => {
  const main = await statusBackend(t);
  const spare = await echoBackend(t);
  const { send } = await edge(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare', errors: { status: ['500'], maxRequestBodyBytes: 8 } } },
    'main@file': lb(main.url),
    'spare@file': lb(spare.url),
  });
  const framed = await send('/500', { method: 'POST', body: '0123456789' });
  assert.deepEqual([framed.status, framed.body, framed.headers['content-type']], [413, 'Request body too large\n', 'text/plain; charset=utf-8']);
  const chunked = await send('/500', { method: 'POST', body: Readable.from([Buffer.from('01234'), Buffer.from('56789')]) });
  assert.deepEqual([chunked.status, chunked.body], [413, 'Request body too large\n'], 'a chunked body is read up to the limit, then refused');
  assert.equal(main.seen.length, 0, 'the main service never saw a body it could not get again');
  const within = await send('/500', { method: 'POST', body: Readable.from([Buffer.from('0123'), Buffer.from('4567')]) });
  assert.equal(`${within.status} ${within.body}`, '200 spare POST /500 01234567');
  assert.deepEqual(main.seen.map((s) => s.body), ['01234567']);
});

test('failover.errors: the fallback\'s own error answer reaches the client; a followed fallback that is DOWN gives 503 Service Unavailable', async (t) => {
  const main = await statusBackend(t);
  let spareUp = true;
  const spare = await startBackend('spare', (req, res) => {
    if (req.url === '/health') { res.writeHead(spareUp ? 200 : 503); res.end(); return; }
    res.writeHead(500);
    res.end('spare 500');
  });
  t.after(() => spare.close());
  const { send } = await edge(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare', healthCheck: {}, errors: { status: ['500-599'] } } },
    'main@file': { loadBalancer: { servers: [{ url: main.url }], healthCheck: { path: '/200', interval: 100, timeout: 500 } } },
    'spare@file': { loadBalancer: { servers: [{ url: spare.url }], healthCheck: { path: '/health', interval: 100, timeout: 500 } } },
  });
  const both = await send('/502');
  assert.equal(`${both.status} ${both.body}`, '500 spare 500', 'the fallback is tried once, its answer stands');
  spareUp = false;
  await new Promise((r) => setTimeout(r, 350));
  const down = await send('/502');
  assert.equal(`${down.status} ${down.body}`, '503 Service Unavailable\n');
  assert.equal(main.seen.filter((s) => s.url === '/502').length, 2, 'the main service is still asked first');
});

test('failover.errors: what the main service added (a sticky cookie) is dropped with its answer; the router\'s middlewares decorate the fallback\'s', async (t) => {
  const main = await statusBackend(t);
  const spare = await echoBackend(t);
  const { send } = await edge(t, {
    'fo@file': { failover: { service: 'pinned', fallback: 'spare', errors: { status: ['503'] } } },
    'pinned@file': { weighted: { services: [{ name: 'main' }], sticky: { cookie: { name: 'pin' } } } },
    'main@file': lb(main.url),
    'spare@file': lb(spare.url),
  }, { 'outer@file': { headers: { customResponseHeaders: { 'X-Outer': 'set' } } } }, ['outer']);
  const kept = await send('/200');
  assert.match(String(kept.headers['set-cookie']), /pin=/, 'an answer that stands keeps the weighted service\'s cookie');
  assert.equal(kept.headers['x-outer'], 'set');
  const failedOver = await send('/503');
  assert.equal(`${failedOver.status} ${failedOver.body}`, '200 spare GET /503 ');
  assert.equal(failedOver.headers['set-cookie'], undefined, 'the cookie naming the dropped child is not sent');
  assert.equal(failedOver.headers['x-outer'], 'set');
});

test('failover.errors inside a router\'s errors middleware: the failover sees the main answer first, the errors middleware sees the fallback\'s', async (t) => {
  const main = await statusBackend(t);
  const spare = await startBackend('spare', (_req, res) => { res.writeHead(500); res.end('spare 500'); });
  const pages = await startBackend('pages', (req, res) => { res.writeHead(200); res.end(`page for ${req.url}`); });
  t.after(async () => { await spare.close(); await pages.close(); });
  const { send } = await edge(t, {
    'fo@file': { failover: { service: 'main', fallback: 'spare', errors: { status: ['503'] } } },
    'main@file': lb(main.url),
    'spare@file': lb(spare.url),
    'pages@file': lb(pages.url),
  }, { 'oops@file': { errors: { status: ['500-503'], service: 'pages', query: '/{status}.html' } } }, ['oops']);
  assert.equal(`${(await send('/503')).status} ${(await send('/503')).body}`, '500 page for /500.html', 'the failover took the 503; the fallback\'s 500 got the page');
  assert.equal(`${(await send('/502')).body}`, 'page for /502.html', 'a status only the errors middleware catches goes to its page');
});
