import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fnv164Hex, fnv1a64Hex } from '../../../proxy/services/sticky-cookie.js';
import { stickyPair } from './sticky-pair.js';

test('sticky cookie pins a client to one server; a DOWN server re-balances with a new cookie', async (t) => {
  let healthyA = true;
  const a = await startBackend('A', (req, res) => {
    if (req.url === '/health') { res.writeHead(healthyA ? 200 : 500); res.end(); return; }
    res.end('A');
  });
  const b = await startBackend('B');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: {
        'web@file': {
          loadBalancer: {
            servers: [{ url: a.url }, { url: b.url }],
            sticky: { cookie: { httpOnly: true } },
            healthCheck: { path: '/health', interval: 100, timeout: 1000 },
          },
        },
      },
    },
  }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const first = await request(url);
  const firstBody = await first.body.text();
  const setCookie = String(first.headers['set-cookie']);
  assert.match(setCookie, /^_[0-9a-f]{5}=[0-9a-f]+; Path=\/; HttpOnly$/);
  const cookie = setCookie.split(';')[0] as string;
  for (let i = 0; i < 5; i++) {
    const res = await request(url, { headers: { cookie } });
    assert.equal(await res.body.text(), firstBody, 'the cookie keeps the same server');
    assert.equal(res.headers['set-cookie'], undefined, 'no new cookie while pinned');
  }
  // Pin to A explicitly, then take A down: the health check moves the client to B with a new cookie.
  let pinnedToA = cookie;
  if (firstBody !== 'A') {
    const res = await request(url);
    assert.equal(await res.body.text(), 'A');
    pinnedToA = String(res.headers['set-cookie']).split(';')[0] as string;
  }
  healthyA = false;
  await new Promise((r) => setTimeout(r, 400));
  const moved = await request(url, { headers: { cookie: pinnedToA } });
  assert.equal(await moved.body.text(), 'B');
  assert.ok(moved.headers['set-cookie'] !== undefined, 'a new cookie names the new server');
});

test('a server failing its health check gets no traffic; all DOWN answers 503; recovery brings it back', async (t) => {
  const state = { a: true, b: true };
  const mk = (name: 'a' | 'b') => startBackend(name, (req, res) => {
    if (req.url === '/health') { res.writeHead(state[name] ? 200 : 503); res.end(); return; }
    res.end(name);
  });
  const a = await mk('a');
  const b = await mk('b');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: a.url }, { url: b.url }], healthCheck: { path: '/health', interval: 100, timeout: 500 } } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const bodies = async (n: number) => { const out: string[] = []; for (let i = 0; i < n; i++) { const r = await request(url); out.push(`${r.statusCode}:${await r.body.text()}`); } return out; };
  state.a = false;
  await new Promise((r) => setTimeout(r, 350));
  assert.deepEqual(await bodies(4), ['200:b', '200:b', '200:b', '200:b']);
  state.b = false;
  await new Promise((r) => setTimeout(r, 350));
  assert.deepEqual(await bodies(1), ['503:no available server\n']);
  state.a = true;
  await new Promise((r) => setTimeout(r, 350));
  assert.deepEqual(await bodies(2), ['200:a', '200:a']);
});

test('health status survives a reload that does not change the service', async (t) => {
  let probes = 0;
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') { probes++; res.writeHead(500); res.end(); return; }
    res.end('a');
  });
  const b = await startBackend('b');
  const input = buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: a.url }, { url: b.url }], healthCheck: { path: '/health', interval: 60_000, timeout: 500 } } } },
    },
  });
  const proxy = await startProxy(input);
  t.after(async () => { await proxy.close(0); await a.close(); await b.close(); });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(probes, 1, 'the first probe runs at start, not after a full interval');
  // A reload with an extra, unrelated router: Traefik would mark `a` UP again for a whole interval.
  proxy.apply({ ...input, http: { ...input.http, routers: { ...input.http.routers, 'other@file': { rule: 'Host(`other.test`)', service: 'web' } } } });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  for (let i = 0; i < 4; i++) assert.equal(await (await request(url)).body.text(), 'b');
  assert.equal(probes, 1, 'the checker was carried over, not restarted');
});

test('a server found DOWN stays DOWN when servers are added to its service, until the new checker probes it', async (t) => {
  // `a` hangs on /health: each probe takes the whole timeout (1 s) to find it DOWN, which is the window to guard.
  const a = await startBackend('a', (req, res) => {
    if (req.url === '/health') return;
    res.end('a');
  });
  const b = await startBackend('b');
  const c = await startBackend('c');
  const service = (servers: string[]) => ({ loadBalancer: { servers: servers.map((url) => ({ url })), healthCheck: { path: '/health', interval: 60_000, timeout: 1000 } } });
  const input = (servers: string[]) => buildInput({ http: { routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } }, services: { 'web@file': service(servers) } } });
  const proxy = await startProxy(input([a.url, b.url]));
  t.after(async () => { a.server.closeAllConnections(); await proxy.close(0); await a.close(); await b.close(); await c.close(); });
  await new Promise((r) => setTimeout(r, 1300));
  proxy.apply(input([a.url, b.url, c.url]));
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const answers: string[] = [];
  for (let i = 0; i < 6; i++) answers.push(await (await request(url, { headersTimeout: 3000 })).body.text());
  assert.ok(!answers.includes('a'), `the DOWN server got no request right after the change: ${answers.join(',')}`);
  assert.deepEqual([...new Set(answers)].sort(), ['b', 'c']);
});

test('weighted.sticky.cookie pins a client to one child service, with Traefik\'s cookie value for the child name', async (t) => {
  const stable = await startBackend('stable');
  const canary = await startBackend('canary');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'split' } },
      services: {
        'split@file': { weighted: { services: [{ name: 'stable', weight: 1 }, { name: 'canary', weight: 1 }], sticky: { cookie: { name: 'lane', httpOnly: true } } } },
        'stable@file': { loadBalancer: { servers: [{ url: stable.url }] } },
        'canary@file': { loadBalancer: { servers: [{ url: canary.url }] } },
      },
    },
  }));
  t.after(async () => { await proxy.close(0); await stable.close(); await canary.close(); });
  const url = `http://127.0.0.1:${proxy.port('web')}/`;
  const first = await request(url);
  const body = await first.body.text();
  const expected = { stable: '1aef45de538f4a68', canary: '5897651361094595' } as Record<string, string>;
  assert.equal(first.headers['set-cookie'], `lane=${fnv164Hex(body)}; Path=/; HttpOnly`);
  assert.equal(fnv164Hex(body), expected[body], 'hex FNV-1 64 of the child name, as Traefik v3.2 sets it');
  for (let i = 0; i < 4; i++) {
    const res = await request(url, { headers: { cookie: `lane=${fnv164Hex(body)}` } });
    assert.equal(await res.body.text(), body);
    assert.equal(res.headers['set-cookie'], undefined, 'no new cookie while pinned');
  }
  const other = body === 'stable' ? 'canary' : 'stable';
  const named = await request(url, { headers: { cookie: `lane=${other}` } });
  assert.equal(await named.body.text(), other, 'the child name itself is accepted too');
});

// Every cookie option set, on both kinds of service: Set-Cookie exactly as Go's http.Cookie writes Traefik's cookie
// (Path, Domain, Max-Age, HttpOnly, Secure, SameSite). Each attribute would be missing or default if its option were ignored.
const COOKIE = { secure: true, httpOnly: true, sameSite: 'strict', maxAge: 60, path: '/app', domain: 'example.test' };
const ATTRIBUTES = 'Path=/app; Domain=example.test; Max-Age=60; HttpOnly; Secure; SameSite=Strict';

test('loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes', async (t) => {
  const app = await startBackend('app');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: app.url }], sticky: { cookie: { name: 'pin', ...COOKIE } } } } },
    },
  }));
  t.after(async () => { await proxy.close(0); await app.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/app/x`);
  await res.body.text();
  assert.equal(res.headers['set-cookie'], `pin=${fnv164Hex(fnv1a64Hex(app.url))}; ${ATTRIBUTES}`);
});

test('weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie', async (t) => {
  const stable = await startBackend('stable');
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'split' } },
      services: {
        'split@file': { weighted: { services: [{ name: 'stable', weight: 1 }], sticky: { cookie: { name: 'lane', ...COOKIE } } } },
        'stable@file': { loadBalancer: { servers: [{ url: stable.url }] } },
      },
    },
  }));
  t.after(async () => { await proxy.close(0); await stable.close(); });
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/app/x`);
  await res.body.text();
  assert.equal(res.headers['set-cookie'], `lane=${fnv164Hex('stable')}; ${ATTRIBUTES}`);
  // The default name would be "_" + 5 hex characters of the service name's hash.
  const pinned = await request(`http://127.0.0.1:${proxy.port('web')}/`, { headers: { cookie: `lane=${fnv164Hex('stable')}` } });
  await pinned.body.text();
  assert.equal(pinned.headers['set-cookie'], undefined, 'the cookie named `lane` pins the client');
});

test('loadBalancer sticky.cookie: pe-edge\'s own 502 for a server it could not reach carries the cookie of that server, as weighted\'s errors do', async (t) => {
  const gone = await startBackend('gone');
  await gone.close();
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 'web' } },
      services: { 'web@file': { loadBalancer: { servers: [{ url: gone.url }], sticky: { cookie: { name: 'lb' } } } } },
    },
  }));
  t.after(() => proxy.close(0));
  const res = await request(`http://127.0.0.1:${proxy.port('web')}/`);
  await res.body.text();
  assert.equal(res.statusCode, 502);
  // Traefik's balancer sets the cookie on the response writer before proxying; its error handler writes the 502 there.
  assert.equal(res.headers['set-cookie'], `lb=${fnv164Hex(fnv1a64Hex(gone.url))}; Path=/`);
});

test('sticky cookie read as Go reads it: a same-named cookie whose value Go refuses is passed over, spaces around the name do not count', async (t) => {
  const { servers: [a, b], url } = await stickyPair(t);
  for (const server of [a, b, a, b]) {
    const value = fnv164Hex(fnv1a64Hex(server.url));
    // An app's own `lb` cookie (a backslash, a lone quote: bytes a cookie value may not hold) comes first.
    for (const cookie of [`lb=x\\y; lb=${value}`, `lb="; lb=${value}`, `lb =${value}`]) {
      const res = await request(url, { headers: { cookie } });
      assert.equal(await res.body.text(), server.name, cookie);
      assert.equal(res.headers['set-cookie'], undefined, `no new cookie for ${cookie}`);
    }
  }
});
