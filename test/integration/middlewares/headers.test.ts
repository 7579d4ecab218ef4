import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http2 from 'node:http2';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend, type BackendHandler } from '../../support/backends.js';
import { proxyThrough } from './path-proxy.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

function setup(t: { after: (fn: () => Promise<void>) => void }, headers: Record<string, unknown>, handler?: BackendHandler) {
  return proxyThrough(t, [{ headers }], handler);
}

test('Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown', async (t) => {
  const { port } = await setup(t, {
    stsSeconds: 31536000, stsIncludeSubdomains: true, stsPreload: true, forceSTSHeader: true, frameDeny: true,
    contentTypeNosniff: true, browserXssFilter: true, referrerPolicy: 'strict-origin-when-cross-origin',
    contentSecurityPolicy: "default-src 'self'", customResponseHeaders: { 'X-Powered-By': '', Server: '' },
  }, (_req, res) => {
    res.writeHead(200, { server: 'nginx/1.25', 'x-powered-by': 'Express', 'content-type': 'text/html' });
    res.end('<p>hi</p>');
  });
  const r = await httpRequest({ port, host: 'pe.test' });
  assert.equal(r.status, 200);
  assert.equal(r.body, '<p>hi</p>');
  assert.equal(r.headers['server'], undefined);
  assert.equal(r.headers['x-powered-by'], undefined);
  assert.equal(r.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains; preload');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['x-xss-protection'], '1; mode=block');
  assert.equal(r.headers['referrer-policy'], 'strict-origin-when-cross-origin');
  assert.equal(r.headers['content-security-policy'], "default-src 'self'");
});

/** One raw exchange on a new connection: the answer's head as sent. */
function rawHead(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      got += chunk;
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(got.slice(0, end));
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`the connection closed before a whole head: ${JSON.stringify(got)}`)));
  });
}

test('a response header removed by customResponseHeaders (and a Content-Length compress drops) is sent by no front: the lean HTTP/1.1 front, node:http (HTTP/1.0), HTTP/2', async (t) => {
  const page = '<p>' + 'pixelated empathy '.repeat(200) + '</p>';
  const { port } = await proxyThrough(t, [{ headers: { frameDeny: true, customResponseHeaders: { 'X-Powered-By': '', Server: '' } } }, { compress: {} }], (_req, res) => {
    res.writeHead(200, { server: 'nginx/1.25', 'x-powered-by': 'Express', 'content-type': 'text/html', 'content-length': String(page.length) });
    res.end(page);
  });
  for (const [front, request] of [
    ['lean HTTP/1.1 front', 'GET / HTTP/1.1\r\nHost: pe.test\r\nAccept-Encoding: gzip\r\n\r\n'],
    ['node:http (HTTP/1.0)', 'GET / HTTP/1.0\r\nHost: pe.test\r\nAccept-Encoding: gzip\r\n\r\n'],
  ] as const) {
    const head = await rawHead(port, request);
    assert.match(head, /^HTTP\/1\.[01] 200 /, front);
    assert.match(head, /\r\ncontent-encoding: gzip/i, front);
    assert.match(head, /\r\nx-frame-options: DENY/i, front);
    assert.doesNotMatch(head, /\r\n(server|x-powered-by):/i, `${front}: ${head}`);
    assert.doesNotMatch(head, /undefined/, `${front}: ${head}`);
    assert.doesNotMatch(head, /\r\ncontent-length: 3[0-9]{3}\r\n/i, `${front}: the page's own length went out with its gzip: ${head}`);
  }
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.close());
  const stream = session.request({ ':path': '/', ':authority': 'pe.test', 'accept-encoding': 'gzip' });
  const h2 = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => stream.once('response', resolve).once('error', reject));
  stream.resume();
  assert.equal(h2[':status'], 200);
  assert.equal(h2['content-encoding'], 'gzip');
  assert.equal(h2['x-frame-options'], 'DENY');
  assert.equal(h2['server'], undefined);
  assert.equal(h2['x-powered-by'], undefined);
  assert.notEqual(h2['content-length'], String(page.length));
});

test('customRequestHeaders {X-Foo: ""} removes X-Foo; values set and Host replaced upstream', async (t) => {
  const { app, port } = await setup(t, { customRequestHeaders: { 'X-Foo': '', 'X-Env': 'prod', Host: 'internal.test' } });
  const r = await httpRequest({ port, host: 'pe.test', headers: { 'x-foo': 'secret', 'x-env': 'dev' } });
  assert.equal(r.status, 200);
  const seen = app.seen[0]?.headers;
  assert.equal(seen?.['x-foo'], undefined);
  assert.equal(seen?.['x-env'], 'prod');
  assert.equal(seen?.host, 'internal.test');
  // As in Traefik, X-Forwarded-Host still names what the client asked for.
  assert.equal(seen?.['x-forwarded-host'], 'pe.test');
  assert.equal(seen?.['x-forwarded-port'], '80');
});

test('customResponseHeaders {Server: ""} removes Server', async (t) => {
  const { port } = await setup(t, { customResponseHeaders: { Server: '' } }, (_req, res) => {
    res.writeHead(200, { server: 'Apache' });
    res.end('ok');
  });
  const r = await httpRequest({ port });
  assert.equal(r.headers['server'], undefined);
  assert.equal(r.body, 'ok');
});

test('CORS preflight is answered 200 by the proxy, not forwarded (seed)', async (t) => {
  const { app, port } = await setup(t, { accessControlAllowOriginList: ['https://a.test'] });
  const r = await httpRequest({ port, method: 'OPTIONS', headers: { origin: 'https://a.test', 'access-control-request-method': 'GET' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'https://a.test');
  // Unset accessControlMaxAge: no Access-Control-Max-Age (Traefik v3.6.22; before, "0" always).
  assert.equal(r.headers['access-control-max-age'], undefined);
  assert.equal(r.body, '');
  assert.equal(app.seen.length, 0);
  const plain = await httpRequest({ port, headers: { origin: 'https://a.test' } });
  assert.equal(plain.headers['access-control-allow-origin'], 'https://a.test');
  assert.equal(app.seen.length, 1);
});

test('allowedHosts: other host gets 500 Bad Host from http.Error', async (t) => {
  const { app, port } = await setup(t, { allowedHosts: ['pe.test'] });
  const bad = await httpRequest({ port, host: 'evil.test' });
  assert.equal(bad.status, 500);
  assert.equal(bad.body, 'Bad Host\n');
  assert.equal(bad.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(bad.headers['x-content-type-options'], 'nosniff');
  assert.equal(app.seen.length, 0);
  const good = await httpRequest({ port, host: 'pe.test' });
  assert.equal(good.status, 200);
});

test('customRequestHeaders {X-Forwarded-For: ""}: no X-Forwarded-For upstream at all, as Traefik', async (t) => {
  const { app, port } = await setup(t, { customRequestHeaders: { 'X-Forwarded-For': '' } });
  await httpRequest({ port, headers: { 'x-forwarded-for': '1.2.3.4' } });
  assert.equal(app.seen[0]?.headers['x-forwarded-for'], undefined);
  assert.equal(app.seen[0]?.headers['x-real-ip'], '127.0.0.1');
});

test('customRequestHeaders deleting X-Real-Ip, X-Forwarded-Proto/-Host/-Port/-Server: none of them upstream, as nothing in Traefik adds them again; one set by a later middleware goes', async (t) => {
  const deleted = { 'X-Real-Ip': '', 'x-forwarded-proto': '', 'X-Forwarded-Host': '', 'X-Forwarded-Port': '', 'X-Forwarded-Server': '' };
  const { app, port } = await setup(t, { customRequestHeaders: deleted });
  await httpRequest({ port, host: 'pe.test', headers: { 'x-real-ip': '6.6.6.6' } });
  const seen = app.seen[0]?.headers ?? {};
  for (const name of ['x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server']) assert.equal(seen[name], undefined, name);
  assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'X-Forwarded-For is Go\'s ReverseProxy\'s, added after the middlewares');

  const then = await proxyThrough(t, [{ headers: { customRequestHeaders: { 'X-Real-Ip': '' } } }, { headers: { customRequestHeaders: { 'X-Real-Ip': '10.0.0.1' } } }]);
  await httpRequest({ port: then.port, host: 'pe.test' });
  assert.equal(then.app.seen[0]?.headers['x-real-ip'], '10.0.0.1', 'deleted, then set: the value set');
  assert.equal(then.app.seen[0]?.headers['x-forwarded-proto'], 'http', 'the others as the entrypoint set them');
});

test('customRequestHeaders never reframe the body: Content-Length set or deleted there goes upstream as the body\'s own length, as Go\'s transport writes it', async (t) => {
  // A client body that holds a second request: a length shorter than the body would hand it to the backend
  // past every middleware of the router.
  const body = 'abcGET /smuggled HTTP/1.1\r\nHost: pe.test\r\n\r\n';
  for (const value of ['3', '']) {
    const { app, port } = await setup(t, { customRequestHeaders: { 'Content-Length': value } });
    const r = await httpRequest({ port, method: 'POST', headers: { 'content-length': String(body.length) }, body });
    assert.equal(r.status, 200, `Content-Length: "${value}"`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(app.seen.map((s) => [s.method, s.url, s.headers['content-length'], s.body]), [['POST', '/', String(body.length), body]], `Content-Length: "${value}"`);
  }
});

test('customResponseHeaders never reframe an answer: a Content-Length set there is not written, so a body cannot pose as the next answer', async (t) => {
  const forged = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged';
  const { port } = await setup(t, { customResponseHeaders: { 'Content-Length': '3', 'Transfer-Encoding': 'gzip' } }, (req, res) => {
    const body = req.url === '/a' ? forged : 'second';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let wire = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (wire += chunk));
  socket.write('GET /a HTTP/1.1\r\nHost: pe.test\r\n\r\nGET /b HTTP/1.1\r\nHost: pe.test\r\n\r\n');
  for (let i = 0; i < 100 && !wire.endsWith('second'); i++) await new Promise((r) => setTimeout(r, 20));
  const answers = wire.split(/(?=HTTP\/1\.1 200 OK\r\ncontent-type)/);
  assert.equal(answers.length, 2, wire);
  const [head, body] = (answers[0] ?? '').split(/\r\n\r\n(.*)/s);
  assert.match(head ?? '', new RegExp(`\r\ncontent-length: ${forged.length}(\r\n|$)`, 'i'));
  assert.equal(body, forged, 'the whole body, framed by its own length');
  assert.match(answers[1] ?? '', /\r\ncontent-length: 6\r\n[^]*\r\n\r\nsecond$/i);
  assert.doesNotMatch(wire, /transfer-encoding: gzip/i);
});

test('without that option the proxy still adds X-Forwarded-For', async (t) => {
  const { app, port } = await setup(t, { customRequestHeaders: { 'X-Other': 'v' } });
  await httpRequest({ port });
  assert.equal(app.seen[0]?.headers['x-forwarded-for'], '127.0.0.1');
});

test('answers pe-edge writes itself inside a headers middleware get its response headers too (502, 503, 429), as in Traefik', async (t) => {
  const { config } = validateDynamicConfig({
    http: {
      middlewares: {
        cors: { headers: { customResponseHeaders: { 'X-App': 'pe' }, accessControlAllowOriginList: ['https://ui.test'], frameDeny: true } },
        limit: { rateLimit: { average: 1, burst: 1 } },
      },
    },
  });
  const middlewares = config.http.middlewares as Record<string, Record<string, unknown>>;
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const app = await startBackend('app');
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'down@file': { rule: 'PathPrefix(`/down`)', service: 'down', middlewares: ['cors'] },
        'empty@file': { rule: 'PathPrefix(`/empty`)', service: 'empty', middlewares: ['cors'] },
        'limited@file': { rule: 'PathPrefix(`/limited`)', service: 'up', middlewares: ['cors', 'limit'] },
      },
      services: {
        'down@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${closedPort}` }] } },
        'empty@file': { loadBalancer: { servers: [] } },
        'up@file': { loadBalancer: { servers: [{ url: app.url }] } },
      },
      middlewares: { 'cors@file': middlewares['cors'] as Record<string, unknown>, 'limit@file': middlewares['limit'] as Record<string, unknown> },
    },
  }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  const origin = { origin: 'https://ui.test' };
  const down = await httpRequest({ port, host: 'pe.test', path: '/down', headers: origin });
  const empty = await httpRequest({ port, host: 'pe.test', path: '/empty', headers: origin });
  await httpRequest({ port, host: 'pe.test', path: '/limited', headers: origin });
  let limited = await httpRequest({ port, host: 'pe.test', path: '/limited', headers: origin });
  for (let i = 0; i < 5 && limited.status !== 429; i++) limited = await httpRequest({ port, host: 'pe.test', path: '/limited', headers: origin });
  for (const [name, r, status] of [['down', down, 502], ['empty', empty, 503], ['limited', limited, 429]] as const) {
    assert.equal(r.status, status, name);
    assert.equal(r.headers['x-app'], 'pe', name);
    assert.equal(r.headers['access-control-allow-origin'], 'https://ui.test', name);
    assert.equal(r.headers['x-frame-options'], 'DENY', name);
  }
});

test('headers: stsSeconds: 0 alone is a valid configuration (the router serves, no Strict-Transport-Security)', async (t) => {
  const { app, port } = await setup(t, { stsSeconds: 0 });
  const r = await httpRequest({ port });
  assert.equal(r.status, 200);
  assert.equal(r.headers['strict-transport-security'], undefined);
  assert.equal(app.seen.length, 1);
});

test('CORS: "*" with credentials echoes the Origin (browsers refuse a wildcard with credentials); no Max-Age unless set', async (t) => {
  const { app, port } = await setup(t, { accessControlAllowOriginList: ['*'], accessControlAllowCredentials: true, accessControlAllowMethods: ['GET'] });
  const preflight = await httpRequest({ port, method: 'OPTIONS', headers: { origin: 'https://a.test', 'access-control-request-method': 'GET' } });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://a.test');
  assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
  assert.equal(preflight.headers['access-control-max-age'], undefined);
  const get = await httpRequest({ port, headers: { origin: 'https://b.test' } });
  assert.equal(get.headers['access-control-allow-origin'], 'https://b.test');
  const post = await httpRequest({ port, method: 'POST', body: 'x', headers: { origin: 'https://c.test' } });
  assert.equal(post.headers['access-control-allow-origin'], 'https://c.test');
  assert.equal(app.seen.length, 2);
});

test('CORS: "*" without credentials stays "*"; accessControlMaxAge: 0 set explicitly is sent', async (t) => {
  const { port } = await setup(t, { accessControlAllowOriginList: ['*'], accessControlMaxAge: 0 });
  const preflight = await httpRequest({ port, method: 'OPTIONS', headers: { origin: 'https://a.test', 'access-control-request-method': 'GET' } });
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.equal(preflight.headers['access-control-max-age'], '0');
});

test('CORS with credentials and "*" in allow headers, allow methods and expose headers: the preflight echoes what it asked for, "*" is never exposed (Traefik v3.7.9)', async (t) => {
  const { port } = await setup(t, {
    accessControlAllowOriginList: ['*'], accessControlAllowCredentials: true,
    accessControlAllowHeaders: ['*'], accessControlAllowMethods: ['*'], accessControlExposeHeaders: ['*'], accessControlMaxAge: 600,
  });
  const preflight = await httpRequest({ port, method: 'OPTIONS', headers: { origin: 'https://a.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token,content-type' } });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://a.test');
  assert.equal(preflight.headers['access-control-allow-methods'], 'PUT');
  assert.equal(preflight.headers['access-control-allow-headers'], 'x-token,content-type');
  assert.equal(preflight.headers['access-control-expose-headers'], undefined);
  assert.equal(preflight.headers['access-control-max-age'], '600');
  const get = await httpRequest({ port, headers: { origin: 'https://b.test' } });
  assert.equal(get.headers['access-control-allow-origin'], 'https://b.test');
  assert.equal(get.headers['access-control-expose-headers'], undefined);
});

test('CORS without credentials: "*" lists are sent as written, and the preflight carries the expose headers too', async (t) => {
  const { port } = await setup(t, { accessControlAllowOriginList: ['*'], accessControlAllowHeaders: ['*'], accessControlAllowMethods: ['GET', 'PUT'], accessControlExposeHeaders: ['X-Total', 'X-Page'] });
  const preflight = await httpRequest({ port, method: 'OPTIONS', headers: { origin: 'https://a.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token' } });
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.equal(preflight.headers['access-control-allow-headers'], '*');
  assert.equal(preflight.headers['access-control-allow-methods'], 'GET,PUT');
  assert.equal(preflight.headers['access-control-expose-headers'], 'X-Total,X-Page');
  const get = await httpRequest({ port, headers: { origin: 'https://b.test' } });
  assert.equal(get.headers['access-control-expose-headers'], 'X-Total,X-Page');
});

/** What a header value holds on the wire, read back as UTF-8 (node's clients and servers read header bytes as latin1). */
const asUtf8 = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' ? Buffer.from(value, 'latin1').toString('utf8') : undefined);

test('header values beyond ASCII (é, €) are accepted and sent as their UTF-8 bytes, as Traefik sends them', async (t) => {
  const { app, port } = await setup(t, {
    customRequestHeaders: { 'X-Team': 'Équipe €' },
    customResponseHeaders: { 'X-Note': 'café €', 'X-Plain': 'ascii' },
    contentSecurityPolicy: "default-src 'self'; report-uri /r?q=ü",
  });
  // The raw answer: the bytes of "café €" are c3 a9 and e2 82 ac, not latin1's e9 (and € has no latin1 byte).
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: pe.test\r\nConnection: close\r\n\r\n'));
    socket.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
  assert.ok(raw.includes(Buffer.from('\r\nX-Note: café €\r\n', 'utf8')) || raw.includes(Buffer.from('\r\nx-note: café €\r\n', 'utf8')), raw.toString('latin1'));
  assert.ok(raw.includes(Buffer.from("report-uri /r?q=ü\r\n", 'utf8')), raw.toString('latin1'));
  assert.equal(asUtf8(app.seen[0]?.headers['x-team']), 'Équipe €');

  const r = await httpRequest({ port, host: 'pe.test' });
  assert.equal(r.status, 200);
  assert.equal(asUtf8(r.headers['x-note']), 'café €');
  assert.equal(r.headers['x-plain'], 'ascii');

  // HTTP/2 (h2c with prior knowledge on the same port): the same bytes in the HPACK-coded field.
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.close());
  const stream = session.request({ ':path': '/', ':authority': 'pe.test' });
  const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => stream.once('response', resolve).once('error', reject));
  stream.resume();
  assert.equal(asUtf8(head['x-note']), 'café €');
});

test('headers: a configured value beyond ASCII is valid; a control character other than HTAB is not', () => {
  const r = validateDynamicConfig({ http: { middlewares: { m: { headers: { customResponseHeaders: { 'X-Note': 'café €\tok', 'X-Bell': 'a\x07b' } } } } } });
  assert.deepEqual(r.issues.map((i) => i.message), ['http.middlewares.m.headers.customResponseHeaders.X-Bell: the value holds a CR, LF or other control character']);
});

test('a single header value with a control character (contentSecurityPolicy, a realm) is refused at load naming the field: its router is left out, the neighbour serves', async (t) => {
  const app = await startBackend('app');
  const { config, issues } = validateDynamicConfig({
    http: {
      routers: {
        bad: { rule: 'PathPrefix(`/bad`)', service: 's', middlewares: ['csp'] },
        locked: { rule: 'PathPrefix(`/locked`)', service: 's', middlewares: ['login'] },
        good: { rule: 'PathPrefix(`/good`)', service: 's', middlewares: ['fine'] },
      },
      services: { s: { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: {
        csp: { headers: { contentSecurityPolicy: "default-src 'self'\r\nSet-Cookie: admin=1" } },
        login: { basicAuth: { realm: 'staff\x00', users: ['test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'] } },
        fine: { headers: { contentSecurityPolicy: "default-src 'self'\tcafé" } },
      },
    },
  });
  assert.deepEqual(issues.map((i) => i.message), [
    'http.middlewares.csp.headers.contentSecurityPolicy: the value holds a CR, LF or other control character',
    'http.middlewares.login.basicAuth.realm: the value holds a CR, LF or other control character',
  ]);
  const file = <T>(items: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(items).map(([name, item]) => [`${name}@file`, item]));
  const proxy = await startProxy(buildInput({
    http: { routers: file(config.http.routers), services: file(config.http.services), middlewares: file(config.http.middlewares) },
  }));
  t.after(async () => { await proxy.close(0); await app.close(); });
  const port = proxy.port('web');
  for (const path of ['/bad', '/locked']) {
    const r = await httpRequest({ port, path });
    assert.equal(r.status, 404, `${path}: never served without its middleware`);
  }
  assert.equal(app.seen.length, 0);
  assert.match(proxy.runtime.status.get('router', 'bad@file')?.errors.join(' ') ?? '', /csp@file/);
  const good = await httpRequest({ port, path: '/good' });
  assert.equal(good.status, 200);
  assert.equal(Buffer.from(good.headers['content-security-policy'] as string, 'latin1').toString('utf8'), "default-src 'self'\tcafé");
});

/** A text as the UTF-8 bytes a client puts on the wire, in the one-byte-per-character form node's client writes. */
const onTheWire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

test('CORS: an origin regex beyond ASCII matches the UTF-8 Origin a client sends, as Go\'s regexp matches its bytes', async (t) => {
  const { port } = await setup(t, { accessControlAllowOriginListRegex: ['^https://café\\.test$', '^https://[a-z]{4}\\.example$'] });
  for (const origin of ['https://café.test', 'https://çava.example']) {
    const r = await httpRequest({ port, headers: { origin: onTheWire(origin) } });
    assert.equal(asUtf8(r.headers['access-control-allow-origin']), origin === 'https://café.test' ? origin : undefined, origin);
  }
  // `[^.]{4}` counts characters, not bytes: Go's regexp decodes the Origin as UTF-8.
  const { port: port2 } = await setup(t, { accessControlAllowOriginListRegex: ['^https://[^.]{4}\\.test$'] });
  const r = await httpRequest({ port: port2, headers: { origin: onTheWire('https://café.test') } });
  assert.equal(asUtf8(r.headers['access-control-allow-origin']), 'https://café.test');
});

test('allowedHosts beyond ASCII (a host from hostsProxyHeaders) compare as Go\'s strings.EqualFold compares: by character, case folded', async (t) => {
  const { app, port } = await setup(t, { allowedHosts: ['CAFÉ.test'], hostsProxyHeaders: ['X-Original-Host'] });
  const good = await httpRequest({ port, host: 'pe.test', headers: { 'x-original-host': onTheWire('café.test') } });
  assert.equal(good.status, 200);
  assert.equal(app.seen.length, 1);
  // 0xE3 is latin1's lower-case 0xC3 (Ã), but no character of "ã.test" in UTF-8: Go refuses it.
  const { port: port2 } = await setup(t, { allowedHosts: ['ã.test'], hostsProxyHeaders: ['X-Original-Host'] });
  const bad = await httpRequest({ port: port2, host: 'pe.test', headers: { 'x-original-host': '\xe3\xa3.test' } });
  assert.equal(bad.status, 500);
  assert.equal(bad.body, 'Bad Host\n');
});
