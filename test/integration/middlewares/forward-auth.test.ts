import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { createAccessLogHook } from '../../../proxy/observability/access-log-hook.js';
import type { EntryPointOptions } from '../../../proxy/index.js';
import { startBackend, type Backend, type BackendHandler } from '../../support/backends.js';
import { buildInput, entryPointOptions, oneClientConnection, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

type After = { after: (fn: () => unknown) => void };

/** An auth server written for the test: records what it was asked and counts the connections it accepted. */
async function startAuth(t: After, handler: BackendHandler): Promise<Backend & { connections: () => number }> {
  const auth = await startBackend('auth', handler);
  let connections = 0;
  auth.server.on('connection', () => connections++);
  t.after(() => auth.close());
  return Object.assign(auth, { connections: () => connections });
}

const allow: BackendHandler = (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); };

interface Setup {
  port: number;
  app: Backend;
  url: string;
}

/** A proxy with router `r` (`PathPrefix(/)`, or Host(a.test) over TLS) → forwardAuth options → app. */
async function setup(t: After, forwardAuth: Record<string, unknown>, extra: {
  app?: BackendHandler;
  entryPoint?: Partial<EntryPointOptions>;
  before?: Record<string, unknown>;
  tlsHost?: { certFile: string; keyFile: string };
} = {}): Promise<Setup> {
  const middlewares: Record<string, unknown> = { fa: { forwardAuth }, ...(extra.before === undefined ? {} : { pre: extra.before }) };
  const { config, issues } = validateDynamicConfig({ http: { middlewares } });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const validated = Object.fromEntries(Object.entries(config.http.middlewares as Record<string, unknown>).map(([k, v]) => [`${k}@file`, v])) as Record<string, Record<string, unknown>>;
  const app = await startBackend('app', extra.app);
  t.after(() => app.close());
  const chain = extra.before === undefined ? ['fa'] : ['pre', 'fa'];
  const router = extra.tlsHost === undefined
    ? { rule: 'PathPrefix(`/`)', service: 's', middlewares: chain }
    : { rule: 'Host(`a.test`)', service: 's', middlewares: chain, tls: {} };
  const proxy = await startProxy(buildInput({
    http: { routers: { 'r@file': router }, services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } }, middlewares: validated },
    ...(extra.tlsHost === undefined ? {} : { tls: { certificates: [extra.tlsHost], options: {}, stores: {} } }),
  }), [entryPointOptions('web', '127.0.0.1:0', extra.entryPoint)]);
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  return { port, app, url: `http://127.0.0.1:${port}` };
}

test('forwardAuth: 2xx lets the request through with authResponseHeaders (and regex) replacing the client\'s; the lean front (GET, no body)', async (t) => {
  const auth = await startAuth(t, (_req, res) => {
    res.setHeader('X-Auth-User', 'user@example.com');
    res.setHeader('X-Auth-Secret', 'secret');
    res.setHeader('X-Auth-Group', ['group1', 'group2']);
    res.setHeader('Foo-Bar', 'auth-value');
    res.end('Success');
  });
  const { port, app } = await setup(t, {
    address: `${auth.url}/verify?from=edge`,
    authResponseHeaders: ['X-Auth-User', 'X-Auth-Group'],
    authResponseHeadersRegex: '^Foo-',
  });
  const r = await httpRequest({ port, path: '/app/x?q=1', headers: { 'x-auth-group': 'admin_group', 'foo-bar': 'client', 'foo-baz': 'client', 'x-auth-user': 'mallory' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'app');
  const seen = app.seen[0];
  assert.ok(seen !== undefined);
  assert.equal(seen.headers['x-auth-user'], 'user@example.com');
  assert.equal(seen.headers['x-auth-group'], 'group1, group2');
  assert.equal(seen.headers['x-auth-secret'], undefined);
  assert.equal(seen.headers['foo-bar'], 'auth-value');
  assert.equal(seen.headers['foo-baz'], undefined, 'client headers matching the regex are removed');
  assert.equal(seen.url, '/app/x?q=1');
  // The auth request: GET to the address (its query kept), no body, X-Forwarded-* as Traefik sends them.
  const asked = auth.seen[0];
  assert.ok(asked !== undefined);
  assert.equal(asked.method, 'GET');
  assert.equal(asked.url, '/verify?from=edge');
  assert.equal(asked.headers.host, `127.0.0.1:${auth.port}`);
  assert.equal(asked.headers['x-forwarded-method'], 'GET');
  assert.equal(asked.headers['x-forwarded-proto'], 'http');
  assert.equal(asked.headers['x-forwarded-host'], `127.0.0.1:${port}`);
  assert.equal(asked.headers['x-forwarded-uri'], '/app/x?q=1');
  assert.equal(asked.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(asked.headers['x-auth-user'], 'mallory', 'the client\'s headers are all sent to the auth server');
});

test('forwardAuth: authResponseHeadersRegex ".*" copies every auth header but the auth answer\'s Content-Length, which never reframes the client\'s body', async (t) => {
  const auth = await startAuth(t, (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }); res.end('ok'); });
  const { port, app } = await setup(t, { address: auth.url, authResponseHeadersRegex: '.*' });
  // The auth answer's `Content-Length: 2` as the request's would hand the rest of this body to the backend as a request.
  const body = 'abGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n';
  const r = await httpRequest({ port, method: 'POST', headers: { 'content-length': String(body.length) }, body });
  assert.equal(r.status, 200);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(app.seen.map((s) => [s.method, s.url, s.headers['content-length'], s.body]), [['POST', '/', String(body.length), body]]);
  assert.equal(app.seen[0]?.headers['content-type'], 'text/plain', 'the other auth headers are copied');
});

test('forwardAuth: a request with a body (read by the lean front) reaches the backend whole; X-Forwarded-Method is the client\'s, the auth request a GET without body', async (t) => {
  const auth = await startAuth(t, allow);
  const { port, app } = await setup(t, { address: auth.url });
  const r = await httpRequest({ port, method: 'POST', path: '/form', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 200);
  assert.equal(app.seen[0]?.body, 'a=1', 'the backend gets the body');
  assert.equal(app.seen[0]?.method, 'POST');
  const asked = auth.seen[0];
  assert.equal(asked?.method, 'GET');
  assert.equal(asked?.body, '');
  assert.equal(asked?.headers['content-length'], undefined);
  assert.equal(asked?.headers['x-forwarded-method'], 'POST');
  assert.equal(asked?.headers['content-type'], 'application/x-www-form-urlencoded');
});

test('forwardAuth over HTTP/2: X-Forwarded-Proto https, the :authority as X-Forwarded-Host, no pseudo-headers sent', async (t) => {
  const auth = await startAuth(t, (_req, res) => { res.setHeader('X-User', 'h2-user'); res.end(); });
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const { port, app } = await setup(t, { address: auth.url, authResponseHeaders: ['X-User'] }, { tlsHost: { certFile: cert.certFile, keyFile: cert.keyFile } });
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert.cert, servername: 'a.test' });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const stream = session.request({ ':method': 'PUT', ':path': '/h2/p?z=9', ':authority': 'a.test' });
  stream.end('payload');
  const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => { stream.once('response', resolve); stream.once('error', reject); });
  let body = '';
  for await (const chunk of stream) body += String(chunk);
  assert.equal(head[':status'], 200);
  assert.equal(body, 'app');
  assert.equal(app.seen[0]?.headers['x-user'], 'h2-user');
  assert.equal(app.seen[0]?.body, 'payload');
  const asked = auth.seen[0];
  assert.equal(asked?.headers['x-forwarded-proto'], 'https');
  assert.equal(asked?.headers['x-forwarded-host'], 'a.test');
  assert.equal(asked?.headers['x-forwarded-method'], 'PUT');
  assert.equal(asked?.headers['x-forwarded-uri'], '/h2/p?z=9');
  assert.ok(Object.keys(asked?.headers ?? {}).every((n) => !n.startsWith(':')));
});

test('forwardAuth: a non-2xx answer is relayed (status, headers minus hop-by-hop, cookies, body); the backend is never asked', async (t) => {
  const auth = await startAuth(t, (_req, res) => {
    res.setHeader('Set-Cookie', 'example=testing; Path=/');
    res.setHeader('X-Foo', 'bar');
    res.setHeader('Keep-Alive', 'timeout=5');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.writeHead(403);
    res.end('Forbidden\n');
  });
  const { port, app } = await setup(t, { address: auth.url });
  for (const method of ['GET', 'POST']) {
    const r = await httpRequest({ port, method, ...(method === 'POST' ? { body: 'x' } : {}) });
    assert.equal(r.status, 403);
    assert.equal(r.body, 'Forbidden\n');
    assert.equal(r.headers['x-foo'], 'bar');
    assert.deepEqual(r.headers['set-cookie'], ['example=testing; Path=/']);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['content-length'], '10');
    assert.equal(r.headers['keep-alive'], undefined);
  }
  assert.equal(app.seen.length, 0);
});

test('forwardAuth: a relative Location is resolved against the address; preserveLocationHeader keeps it as sent', async (t) => {
  const redirect: BackendHandler = (_req, res) => { res.writeHead(302, { location: '/login?rd=x' }); res.end(); };
  const auth = await startAuth(t, redirect);
  const resolved = await setup(t, { address: `${auth.url}/verify` });
  const r = await httpRequest({ port: resolved.port });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, `http://127.0.0.1:${auth.port}/login?rd=x`);
  const preserved = await setup(t, { address: `${auth.url}/verify`, preserveLocationHeader: true });
  const p = await httpRequest({ port: preserved.port });
  assert.equal(p.status, 302);
  assert.equal(p.headers.location, '/login?rd=x');
  const absolute = await startAuth(t, (_req, res) => { res.writeHead(307, { location: 'https://sso.example.com/start' }); res.end(); });
  const a = await setup(t, { address: absolute.url });
  assert.equal((await httpRequest({ port: a.port })).headers.location, 'https://sso.example.com/start');
});

test('forwardAuth: an unreachable auth server answers 500 with an empty body', async (t) => {
  const gone = await startBackend('gone');
  const address = gone.url;
  await gone.close();
  const { port, app } = await setup(t, { address });
  for (const body of [undefined, 'x']) {
    const r = await httpRequest({ port, method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }) });
    assert.equal(r.status, 500);
    assert.equal(r.body, '');
  }
  assert.equal(app.seen.length, 0);
});

test('forwardAuth trustForwardHeader, unset / false / true, behind an entrypoint that trusts the client', async (t) => {
  const sent = {
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-host': 'fii.bir',
    'x-forwarded-uri': '/forward?q=1',
    'x-forwarded-method': 'OPTIONS',
    'x-forwarded-proto': 'https',
    'x-forwarded-prefix': '/pre',
  };
  const cases = [
    { trust: undefined, expect: { for: '127.0.0.1', host: 'fwd.test', uri: '/p?a=1', method: 'GET', proto: 'http', prefix: '/pre', port: '443', server: true } },
    { trust: false, expect: { for: '127.0.0.1', host: 'fwd.test', uri: '/p?a=1', method: 'GET', proto: 'http', prefix: undefined, port: '80', server: false } },
    { trust: true, expect: { for: '203.0.113.7, 127.0.0.1', host: 'fii.bir', uri: '/forward?q=1', method: 'OPTIONS', proto: 'https', prefix: '/pre', port: '443', server: true } },
  ];
  for (const c of cases) {
    const auth = await startAuth(t, allow);
    const { port } = await setup(t, { address: auth.url, ...(c.trust === undefined ? {} : { trustForwardHeader: c.trust }) }, {
      entryPoint: { forwardedHeaders: { insecure: true, trustedIPs: [] } },
    });
    const r = await httpRequest({ port, path: '/p?a=1', host: 'fwd.test', headers: sent });
    assert.equal(r.status, 200);
    const h = auth.seen[0]?.headers ?? {};
    const got = {
      for: h['x-forwarded-for'], host: h['x-forwarded-host'], uri: h['x-forwarded-uri'], method: h['x-forwarded-method'],
      proto: h['x-forwarded-proto'], prefix: h['x-forwarded-prefix'], port: h['x-forwarded-port'], server: h['x-forwarded-server'] !== undefined,
    };
    assert.deepEqual(got, c.expect, `trustForwardHeader ${String(c.trust)}`);
  }
});

test('forwardAuth trustForwardHeader true behind an entrypoint that does not trust the client: its X-Forwarded-* never reach the auth server', async (t) => {
  const auth = await startAuth(t, allow);
  const { port } = await setup(t, { address: auth.url, trustForwardHeader: true });
  await httpRequest({ port, path: '/real', headers: { 'x-forwarded-uri': '/admin', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-method': 'DELETE' } });
  const h = auth.seen[0]?.headers ?? {};
  assert.equal(h['x-forwarded-uri'], '/real');
  assert.equal(h['x-forwarded-for'], '127.0.0.1');
  assert.equal(h['x-forwarded-method'], 'GET');
});

test('forwardAuth: authRequestHeaders sends only the listed headers (and the X-Forwarded-* it sets); hop-by-hop never, Proxy-Authorization yes', async (t) => {
  const auth = await startAuth(t, allow);
  const filtered = await setup(t, { address: auth.url, authRequestHeaders: ['Cookie', 'X-Missing'] });
  await httpRequest({ port: filtered.port, headers: { cookie: 'sid=1', accept: 'text/html', 'x-other': 'o' } });
  const h = auth.seen[0]?.headers ?? {};
  assert.equal(h.cookie, 'sid=1');
  assert.equal(h.accept, undefined);
  assert.equal(h['x-other'], undefined);
  assert.equal(h['x-missing'], undefined);
  assert.deepEqual(Object.keys(h).sort(), ['cookie', 'host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-uri'].sort());
  const all = await setup(t, { address: auth.url });
  await httpRequest({ port: all.port, method: 'POST', body: 'b', headers: { 'keep-alive': 'timeout=9', te: 'trailers', 'proxy-authorization': 'Basic eDp5', 'x-dropped': '1', connection: 'keep-alive, x-dropped' } });
  const g = auth.seen[1]?.headers ?? {};
  assert.equal(g['keep-alive'], undefined);
  assert.equal(g.te, undefined);
  assert.equal(g['x-dropped'], undefined);
  assert.equal(g['transfer-encoding'], undefined);
  assert.equal(g['proxy-authorization'], 'Basic eDp5');
});

test('forwardAuth: X-Forwarded-Uri is the request URI as forwarded: escapes and query kept, after an earlier stripPrefix', async (t) => {
  const auth = await startAuth(t, allow);
  const plain = await setup(t, { address: auth.url });
  await httpRequest({ port: plain.port, path: '/a%20b/c%2Fd?x=1&y=%2F' });
  assert.equal(auth.seen[0]?.headers['x-forwarded-uri'], '/a%20b/c%2Fd?x=1&y=%2F');
  const stripped = await setup(t, { address: auth.url }, { before: { stripPrefix: { prefixes: ['/api'] } } });
  await httpRequest({ port: stripped.port, path: '/api/users?id=3' });
  assert.equal(auth.seen[1]?.headers['x-forwarded-uri'], '/users?id=3');
  assert.equal(auth.seen[1]?.headers['x-forwarded-prefix'], '/api');
});

test('forwardAuth preserveRequestMethod: the auth request has the client\'s method (GET without it)', async (t) => {
  const auth = await startAuth(t, allow);
  const { port } = await setup(t, { address: auth.url, preserveRequestMethod: true });
  await httpRequest({ port, method: 'DELETE', path: '/thing' });
  await httpRequest({ port, method: 'POST', body: 'not forwarded' });
  assert.deepEqual(auth.seen.map((s) => [s.method, s.body, s.headers['content-length']]), [['DELETE', '', undefined], ['POST', '', '0']]);
});

test('forwardAuth forwardBody: the auth server gets the body, so does the backend; over maxBodySize ⇒ 401, nobody asked', async (t) => {
  const auth = await startAuth(t, allow);
  const { port, app } = await setup(t, { address: auth.url, forwardBody: true, maxBodySize: 15 });
  const ok = await httpRequest({ port, method: 'POST', body: 'forwardBodyTest' });
  assert.equal(ok.status, 200);
  assert.equal(auth.seen[0]?.body, 'forwardBodyTest');
  assert.equal(auth.seen[0]?.headers['content-length'], '15');
  assert.equal(auth.seen[0]?.method, 'GET');
  assert.equal(app.seen[0]?.body, 'forwardBodyTest');
  const tooBig = await httpRequest({ port, method: 'POST', body: 'forwardBodyTest!' });
  assert.equal(tooBig.status, 401);
  assert.equal(tooBig.body, '');
  assert.equal(auth.seen.length, 1);
  assert.equal(app.seen.length, 1);
  const chunked = await httpRequest({ port, method: 'POST', body: 'chunk', headers: { 'transfer-encoding': 'chunked' } });
  assert.equal(chunked.status, 200);
  assert.equal(auth.seen[1]?.body, 'chunk');
  assert.equal(app.seen[1]?.body, 'chunk');
  const noBody = await httpRequest({ port });
  assert.equal(noBody.status, 200);
  assert.equal(auth.seen[2]?.body, '');
});

test('forwardAuth maxResponseBodySize: an auth answer over it ⇒ 401 with no body, 2xx or not; within it ⇒ as usual', async (t) => {
  const auth = await startAuth(t, (req, res) => {
    const status = req.headers['x-want'] === 'ok' ? 200 : 403;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(req.headers['x-size'] === 'big' ? 'x'.repeat(64) : 'small');
  });
  const { port, app } = await setup(t, { address: auth.url, maxResponseBodySize: 10 });
  const refusedSmall = await httpRequest({ port, headers: { 'x-size': 'small' } });
  assert.deepEqual([refusedSmall.status, refusedSmall.body], [403, 'small']);
  const refusedBig = await httpRequest({ port, headers: { 'x-size': 'big' } });
  assert.deepEqual([refusedBig.status, refusedBig.body], [401, '']);
  const okBig = await httpRequest({ port, headers: { 'x-size': 'big', 'x-want': 'ok' } });
  assert.deepEqual([okBig.status, okBig.body], [401, '']);
  const okSmall = await httpRequest({ port, headers: { 'x-size': 'small', 'x-want': 'ok' } });
  assert.deepEqual([okSmall.status, okSmall.body], [200, 'app']);
  assert.equal(app.seen.length, 1);
});

test('forwardAuth addAuthCookiesToResponse: the auth cookies named replace the backend\'s of that name; others untouched', async (t) => {
  const auth = await startAuth(t, (_req, res) => {
    res.setHeader('Set-Cookie', ['authCookie=Auth; Path=/', 'authCookieNotAdded=Auth']);
    res.end();
  });
  const { port } = await setup(t, { address: auth.url, addAuthCookiesToResponse: ['authCookie'] }, {
    app: (_req, res) => { res.setHeader('Set-Cookie', ['authCookie=Backend', 'backendCookie=Backend']); res.end('app'); },
  });
  const r = await httpRequest({ port });
  assert.equal(r.status, 200);
  assert.deepEqual(r.headers['set-cookie'], ['backendCookie=Backend', 'authCookie=Auth; Path=/']);
  // Without the option, the auth server's cookies stay out of a let-through answer.
  const plain = await setup(t, { address: auth.url }, {
    app: (_req, res) => { res.setHeader('Set-Cookie', 'backendCookie=Backend'); res.end('app'); },
  });
  assert.deepEqual((await httpRequest({ port: plain.port })).headers['set-cookie'], ['backendCookie=Backend']);
});

test('forwardAuth authSigninURL: a 401 from the auth server becomes a 302 to the sign-in page; other refusals are relayed', async (t) => {
  const auth = await startAuth(t, (req, res) => { res.writeHead(req.url === '/deny' ? 403 : 401); res.end('no'); });
  const login = await setup(t, { address: auth.url, authSigninURL: 'https://login.example.com/signin?rd=1' });
  const r = await httpRequest({ port: login.port, path: '/private' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, 'https://login.example.com/signin?rd=1');
  assert.equal(r.body, '<a href="https://login.example.com/signin?rd=1">Found</a>.\n\n');
  const deny = await setup(t, { address: `${auth.url}/deny`, authSigninURL: 'https://login.example.com/signin' });
  const d = await httpRequest({ port: deny.port });
  assert.deepEqual([d.status, d.body], [403, 'no']);
});

test('forwardAuth headerField: the access log names the user the auth server answered with (ClientUsername)', async (t) => {
  const auth = await startAuth(t, (_req, res) => { res.setHeader('X-Forwarded-User', 'alice'); res.end(); });
  const file = join(mkdtempSync(join(tmpdir(), 'pe-fwdauth-')), 'access.log');
  const hook = createAccessLogHook({ format: 'json', filePath: file } as Parameters<typeof createAccessLogHook>[0]);
  const { port, app } = await setup(t, { address: auth.url, headerField: 'X-Forwarded-User' }, { entryPoint: { onDone: hook } });
  await httpRequest({ port });
  assert.equal(app.seen[0]?.headers['x-forwarded-user'], undefined, 'headerField alone forwards nothing');
  const deadline = Date.now() + 3000;
  let line: Record<string, unknown> | undefined;
  while (Date.now() < deadline && line === undefined) {
    try { line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0] ?? '') as Record<string, unknown>; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  assert.equal(line?.ClientUsername, 'alice');
});

test('forwardAuth headerField: a user name beyond ASCII is logged as text (josé), the bytes the auth server sent decoded as UTF-8', async (t) => {
  // node's server writes a header one byte per character: these are the UTF-8 bytes of josé, as Authelia sends them.
  const auth = await startAuth(t, (_req, res) => { res.setHeader('X-Forwarded-User', Buffer.from('josé', 'utf8').toString('latin1')); res.end(); });
  const file = join(mkdtempSync(join(tmpdir(), 'pe-fwdauth-')), 'access.log');
  const hook = createAccessLogHook({ format: 'json', filePath: file } as Parameters<typeof createAccessLogHook>[0]);
  const { port } = await setup(t, { address: auth.url, headerField: 'X-Forwarded-User' }, { entryPoint: { onDone: hook } });
  await httpRequest({ port });
  const deadline = Date.now() + 3000;
  let line: Record<string, unknown> | undefined;
  while (Date.now() < deadline && line === undefined) {
    try { line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0] ?? '') as Record<string, unknown>; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  assert.equal(line?.ClientUsername, 'josé');
});

test('forwardAuth keeps its connections to the auth server alive: many requests, through both fronts, one connection', async (t) => {
  const auth = await startAuth(t, allow);
  const { port } = await setup(t, { address: auth.url });
  const agent = oneClientConnection(t);
  for (let i = 0; i < 6; i++) {
    const body = i % 2 === 0 ? undefined : `body-${i}`;
    const r = await request(`http://127.0.0.1:${port}/k${i}`, { dispatcher: agent, method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }) });
    assert.equal(r.statusCode, 200);
    await r.body.text();
  }
  // Separate client connections too: the auth pool is not a client connection's.
  for (let i = 0; i < 3; i++) assert.equal((await httpRequest({ port })).status, 200);
  assert.equal(auth.seen.length, 9);
  assert.equal(auth.connections(), 1);
});

test('forwardAuth: the auth server answering slowly for one client does not hold another\'s request (the pool opens more)', async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => { release = resolve; });
  const auth = await startAuth(t, (req, res) => {
    if (req.headers['x-slow'] === '1') void held.then(() => res.end());
    else res.end();
  });
  const { port } = await setup(t, { address: auth.url });
  const slow = httpRequest({ port, headers: { 'x-slow': '1' } });
  const fast = await httpRequest({ port });
  assert.equal(fast.status, 200);
  release();
  assert.equal((await slow).status, 200);
  assert.equal(auth.connections(), 2);
});

test('forwardAuth with an invalid authResponseHeadersRegex or a cert without key disables the router, naming the cause', async (t) => {
  const auth = await startAuth(t, allow);
  for (const [options, cause] of [
    [{ authResponseHeadersRegex: '(' }, /error compiling regular expression \(/],
    [{ tls: { cert: '/nonexistent.crt' } }, /both TLS cert and key must be defined/],
  ] as const) {
    const app = await startBackend('app');
    t.after(() => app.close());
    const { config } = validateDynamicConfig({ http: { middlewares: { fa: { forwardAuth: { address: auth.url, ...options } } } } });
    const proxy = await startProxy(buildInput({
      http: {
        routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } },
        services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
        middlewares: { 'fa@file': config.http.middlewares.fa as Record<string, unknown> },
      },
    }));
    t.after(() => proxy.close(0));
    assert.match(proxy.runtime.status.get('router', 'r@file')?.errors.join(' ') ?? '', cause);
    assert.equal((await httpRequest({ port: proxy.port('web') })).status, 404);
  }
});

