// A server that leaves the configuration (a scaled-down container) while requests are still on their way to it:
// a dial under way is given up within a second, and what an old runtime sends it afterwards goes to a server
// still configured, so a removed container's silent address never holds a request for seconds.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { test, type TestContext } from 'node:test';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { startH2Backend } from '../../support/h2-backend.js';
import { DEFAULT_TRANSPORT, type UpstreamTransport } from '../../../proxy/index.js';
import { buildInput, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { startUnansweredAddress } from '../../support/unanswered-address.js';
import { connectWebSocket, isOpen, startWebSocketEchoBackend } from '../../support/websocket.js';
import { fnv164Hex, fnv1a64Hex } from '../../../proxy/services/sticky-cookie.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

/** The silent server first: the weighted round robin's first pick is the heaviest server. */
const services = (...servers: { url: string; weight: number }[]): Record<string, object> => ({ 's@file': { loadBalancer: { servers } } });

async function servers(t: TestContext): Promise<{ silent: string; live: string }> {
  const silent = await startUnansweredAddress();
  t.after(() => silent.close());
  const live = await startBackend('live');
  t.after(() => live.close());
  return { silent: silent.url, live: live.url };
}

test('a dial under way when its server leaves the configuration is given up within a second, and the request goes to a server still configured', async (t) => {
  const { silent, live } = await servers(t);
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's' } };
  const proxy = await startProxy(buildInput({ http: { routers, services: services({ url: silent, weight: 1000 }, { url: live, weight: 1 }) } }));
  t.after(() => proxy.close(0));

  const answer = request(`http://127.0.0.1:${proxy.port('web')}/`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await new Promise((r) => setTimeout(r, 300)); // the dial to the silent server is under way
  proxy.apply(buildInput({ http: { routers, services: services({ url: live, weight: 1 }) } }));
  const left = Date.now();
  assert.equal(await answer, '200:live');
  const tookMs = Date.now() - left;
  // dialTimeout (30 s) would have held it; the silent address never answers.
  assert.ok(tookMs >= 800 && tookMs < 3000, `answered ${tookMs} ms after the server left (its dial gets 1 s)`);
});

test('a request an old runtime sends to a server that left the configuration goes to a server still configured, at once', async (t) => {
  const { silent, live } = await servers(t);
  // forwardAuth holds the request on the old runtime until the test lets it go, after the new one is in.
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let authAsked = (): void => undefined;
  const asked = new Promise<void>((resolve) => (authAsked = resolve));
  const auth = http.createServer((_req, res) => {
    authAsked();
    void held.then(() => res.end());
  });
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { auth.closeAllConnections(); auth.close(() => resolve()); }));
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: `http://127.0.0.1:${(auth.address() as { port: number }).port}/` } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const proxy = await startProxy(buildInput({ http: { routers, middlewares, services: services({ url: silent, weight: 1000 }, { url: live, weight: 1 }) } }));
  t.after(() => proxy.close(0));

  const answer = request(`http://127.0.0.1:${proxy.port('web')}/`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await asked;
  proxy.apply(buildInput({ http: { routers, middlewares, services: services({ url: live, weight: 1 }) } }));
  const released = Date.now();
  release();
  assert.equal(await answer, '200:live');
  const tookMs = Date.now() - released;
  // A dial to the departed server would have cost its 1 s before the failover.
  assert.ok(tookMs < 900, `answered ${tookMs} ms after forwardAuth let it through: the departed server was not dialed`);
});

/** A forwardAuth server that holds requests for `/hold…` until `release()`, and lets others through at once. */
async function holdingAuth(t: TestContext): Promise<{ address: string; asked: Promise<void>; release(): void }> {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let authAsked = (): void => undefined;
  const asked = new Promise<void>((resolve) => (authAsked = resolve));
  const auth = http.createServer((req, res) => {
    if (!String(req.headers['x-forwarded-uri']).startsWith('/hold')) return res.end();
    authAsked();
    void held.then(() => res.end());
  });
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { auth.closeAllConnections(); auth.close(() => resolve()); }));
  return { address: `http://127.0.0.1:${(auth.address() as { port: number }).port}/`, asked, release };
}

test('a sticky cookie keeps its server for a request of an old runtime when a reload only changed the serversTransport (no server left)', async (t) => {
  const a = await startBackend('a');
  t.after(() => a.close());
  const b = await startBackend('b');
  t.after(() => b.close());
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const services = { 's@file': { loadBalancer: { servers: [{ url: a.url }, { url: b.url }], sticky: { cookie: { name: 'pin' } } } } };
  const proxy = await startProxy(buildInput({ http: { routers, middlewares, services } }));
  t.after(() => proxy.close(0));
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  // Two requests without a cookie: the rotation gives each server one, so the next pick is the first server again.
  const cookies = new Map<string, string>();
  for (let i = 0; i < 2; i++) {
    const res = await request(`${base}/`);
    cookies.set(await res.body.text(), String(res.headers['set-cookie']).split(';')[0] as string);
  }
  const second = [...cookies.keys()][1] as string;

  const answer = request(`${base}/hold`, { headers: { cookie: cookies.get(second) as string }, headersTimeout: 15_000 })
    .then(async (r) => ({ body: await r.body.text(), setCookie: r.headers['set-cookie'] }));
  await auth.asked;
  // Same servers, another dialTimeout: the old runtime's pools close, yet both servers are still configured.
  proxy.apply(buildInput({ defaultTransport: { ...DEFAULT_TRANSPORT, dialTimeout: 20_000 }, http: { routers, middlewares, services } }));
  auth.release();
  const { body, setCookie } = await answer;
  assert.equal(body, second, 'the pinned server answered');
  assert.equal(setCookie, undefined, 'no new cookie: the session stays where it was');
});

test('under maxConnsPerHost, a request an old runtime sends to a server whose pool closed waits its turn instead of hanging', async (t) => {
  let releaseSlow = (): void => undefined;
  const slowHeld = new Promise<void>((resolve) => (releaseSlow = resolve));
  const backend = await startBackend('b', (req, res) => {
    if (req.url === '/slow') void slowHeld.then(() => res.end('slow'));
    else res.end('b');
  });
  t.after(() => { releaseSlow(); return backend.close(); });
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const services = { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } };
  const transport = { ...DEFAULT_TRANSPORT, maxConnsPerHost: 1 };
  const proxy = await startProxy(buildInput({ defaultTransport: transport, http: { routers, middlewares, services } }));
  t.after(() => proxy.close(0));
  const base = `http://127.0.0.1:${proxy.port('web')}`;

  // The one connection the transport allows is busy with /slow.
  const slow = request(`${base}/slow`, { headersTimeout: 15_000 }).then((r) => r.body.text());
  while (backend.seen.length === 0) await new Promise((r) => setTimeout(r, 20));
  const held = request(`${base}/hold`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await auth.asked;
  // The server stays; its transport changes, so the old runtime's pool closes.
  proxy.apply(buildInput({ defaultTransport: { ...transport, dialTimeout: 20_000 }, http: { routers, middlewares, services } }));
  auth.release();
  await new Promise((r) => setTimeout(r, 200)); // /hold reaches the closed pool and waits for its one connection
  releaseSlow();
  assert.equal(await slow, 'slow');
  const answered = await Promise.race([held, new Promise<string>((r) => setTimeout(() => r('no answer within 3 s'), 3000))]);
  assert.equal(answered, '200:b');
});

test('a sticky cookie pinned to a server that left the configuration: an old runtime\'s request goes to a server still configured, with its cookie', async (t) => {
  const { silent, live } = await servers(t);
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const sticky = { cookie: { name: 'pin' } };
  const proxy = await startProxy(buildInput({ http: { routers, middlewares, services: { 's@file': { loadBalancer: { servers: [{ url: silent }, { url: live }], sticky } } } } }));
  t.after(() => proxy.close(0));

  const answer = request(`http://127.0.0.1:${proxy.port('web')}/hold`, { headers: { cookie: `pin=${fnv164Hex(fnv1a64Hex(silent))}` }, headersTimeout: 15_000 })
    .then(async (r) => ({ body: await r.body.text(), setCookie: String(r.headers['set-cookie']) }));
  await auth.asked;
  proxy.apply(buildInput({ http: { routers, middlewares, services: { 's@file': { loadBalancer: { servers: [{ url: live }], sticky } } } } }));
  const released = Date.now();
  auth.release();
  const { body, setCookie } = await answer;
  assert.equal(body, 'live');
  assert.equal(setCookie.split(';')[0], `pin=${fnv164Hex(fnv1a64Hex(live))}`, 'the client is pinned to the server that answered');
  assert.ok(Date.now() - released < 500, 'the departed server was not dialed');
});

test('h2c: a request an old runtime sends after a reload that only changed the serversTransport is answered, not refused', async (t) => {
  const backend = await startH2Backend();
  t.after(() => backend.close());
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const services = { 's@file': { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${backend.port}` }] } } };
  const proxy = await startProxy(buildInput({ http: { routers, middlewares, services } }));
  t.after(() => proxy.close(0));

  const answer = request(`http://127.0.0.1:${proxy.port('web')}/hold-me`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await auth.asked;
  // The server stays; its transport changes, so the old runtime's pool closes.
  proxy.apply(buildInput({ defaultTransport: { ...DEFAULT_TRANSPORT, dialTimeout: 20_000 }, http: { routers, middlewares, services } }));
  auth.release();
  assert.equal(await answer, '200:2.0 GET /hold-me ');
});

test('https with disableHTTP2 (undici\'s pool): a request an old runtime sends after a reload that only changed the serversTransport is answered', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('backend.test', ['backend.test']);
  const backend = await startH2Backend(cert);
  t.after(() => backend.close());
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const services = { 's@file': { loadBalancer: { servers: [{ url: `https://127.0.0.1:${backend.port}` }] } } };
  const transport: UpstreamTransport = { ...DEFAULT_TRANSPORT, rootCAs: [cert.certFile], serverName: 'backend.test', disableHTTP2: true };
  const proxy = await startProxy(buildInput({ defaultTransport: transport, http: { routers, middlewares, services } }));
  t.after(() => proxy.close(0));
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  assert.equal((await request(`${base}/warm`)).statusCode, 200, 'the pool is in use before the reload');

  const answer = request(`${base}/hold-me`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await auth.asked;
  proxy.apply(buildInput({ defaultTransport: { ...transport, dialTimeout: 20_000 }, http: { routers, middlewares, services } }));
  auth.release();
  assert.equal(await answer, '200:1.1 GET /hold-me ');
});

test('https to a server whose ALPN chose http/1.1: a request an old runtime sends after a transport-only reload is answered once', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('backend.test', ['backend.test']);
  let handshakes = 0;
  const backend = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => res.end(`${req.httpVersion} ${req.url}`));
  backend.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const services = { 's@file': { loadBalancer: { servers: [{ url: `https://127.0.0.1:${(backend.address() as { port: number }).port}` }] } } };
  const transport: UpstreamTransport = { ...DEFAULT_TRANSPORT, rootCAs: [cert.certFile], serverName: 'backend.test' };
  const proxy = await startProxy(buildInput({ defaultTransport: transport, http: { routers, middlewares, services } }));
  t.after(() => proxy.close(0));

  // The pool has not learnt yet that the server speaks HTTP/1.1 only: the held request is its first.
  const answer = request(`http://127.0.0.1:${proxy.port('web')}/hold-me`, { headersTimeout: 15_000 }).then(async (r) => `${r.statusCode}:${await r.body.text()}`);
  await auth.asked;
  proxy.apply(buildInput({ defaultTransport: { ...transport, dialTimeout: 20_000 }, http: { routers, middlewares, services } }));
  auth.release();
  assert.equal(await answer, '200:1.1 /hold-me');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(handshakes <= 2, `${handshakes} TLS handshakes for one request: one to learn the protocol, one to send it`);
});

test('a WebSocket an old runtime opens after a transport-only reload is upgraded and stays open', async (t) => {
  const backend = await startWebSocketEchoBackend();
  t.after(() => backend.close());
  const auth = await holdingAuth(t);
  const middlewares = fileMiddlewares({ fa: { forwardAuth: { address: auth.address } } });
  const routers = { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } };
  const services = { 's@file': { loadBalancer: { servers: [{ url: backend.url }] } } };
  const proxy = await startProxy(buildInput({ http: { routers, middlewares, services } }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  // A first WebSocket: the pool's upgrade pool exists, and closes with it at the reload.
  const first = await connectWebSocket({ port, host: 'ws.test', path: '/first' });
  assert.ok(isOpen(first));
  first.destroy();

  const opening = connectWebSocket({ port, host: 'ws.test', path: '/hold-ws' });
  await auth.asked;
  proxy.apply(buildInput({ defaultTransport: { ...DEFAULT_TRANSPORT, dialTimeout: 20_000 }, http: { routers, middlewares, services } }));
  auth.release();
  const ws = await opening;
  assert.ok(isOpen(ws), `upgraded: ${JSON.stringify(ws.status)}`);
  t.after(() => ws.destroy());
  assert.equal(await ws.next(), 'welcome /hold-ws');
  await new Promise((r) => setTimeout(r, 300)); // the pool opened for it has closed meanwhile
  ws.send('still there');
  assert.equal(await ws.next(), 'echo:still there');
});
