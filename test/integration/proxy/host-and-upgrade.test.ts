import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { h2Request } from '../../support/h2-request.js';

// Which host a request is for, and which requests may become tunnels, as a security review found them.
// Raw sockets throughout: client libraries would fold repeated Host lines, rewrite absolute-form targets
// and hide the bytes of the answers.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface SeeingBackend {
  url: string;
  requests: Seen[];
  upgrades: Seen[];
  close(): Promise<void>;
}

/** A 101's header lines for the requested protocol: the upgrade a well-behaved server answers. */
const SWITCH_AS_ASKED = (requested: string): string => `Upgrade: ${requested}\r\nConnection: Upgrade\r\n`;

/**
 * Answers requests with `<name> <method> <url> <body>`; answers upgrades with a 101 whose header lines
 * `switchHead` returns for the requested protocol, then writes `tunnel-bytes` into the tunnel.
 */
async function startSeeingBackend(name: string, switchHead: (requested: string) => string = SWITCH_AS_ASKED): Promise<SeeingBackend> {
  const requests: Seen[] = [];
  const upgrades: Seen[] = [];
  const sockets = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const text = `${name} ${req.method ?? ''} ${req.url ?? ''} ${body}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    upgrades.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: head.toString('latin1') });
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${switchHead(req.headers.upgrade ?? '')}\r\ntunnel-bytes`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    upgrades,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * public.test and admin.test on both sides of one entrypoint; styled.test has a middleware (node:http serves it,
 * never the lean front). On TLS, admin.test asks for the TLS options `strict`, public.test for the default ones.
 */
async function setup(t: { after: (fn: () => Promise<void> | void) => void }, switchHead?: (requested: string) => string) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('public.test', ['public.test', 'admin.test']);
  const pub = await startSeeingBackend('public', switchHead);
  t.after(() => pub.close());
  const admin = await startSeeingBackend('admin');
  t.after(() => admin.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: {
          'public@file': { rule: 'Host(`public.test`)', service: 'public' },
          'admin@file': { rule: 'Host(`admin.test`)', service: 'admin' },
          'styled@file': { rule: 'Host(`styled.test`)', service: 'public', middlewares: ['h'] },
          'spublic@file': { rule: 'Host(`public.test`)', service: 'public', tls: {} },
          'sadmin@file': { rule: 'Host(`admin.test`)', service: 'admin', tls: { options: 'strict' } },
        },
        services: {
          'public@file': { loadBalancer: { servers: [{ url: pub.url }] } },
          'admin@file': { loadBalancer: { servers: [{ url: admin.url }] } },
        },
        middlewares: { 'h@file': { headers: { customResponseHeaders: { 'X-Styled': 'yes' } } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: { 'strict@file': { minVersion: 'VersionTLS12' } }, stores: {} },
    }),
  );
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), pub, admin };
}

/** Writes `payload` and collects what comes back until the connection closes or `waitMs` passes. */
async function exchange(socket: Duplex, payload: string, waitMs = 1500): Promise<{ text: string; closed: boolean }> {
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(payload, 'latin1');
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    socket.once('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve();
    });
  });
  socket.destroy();
  return { text, closed };
}

function plainSocket(port: number): Promise<Duplex> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
  });
}

/** HTTP/1.1 over TLS; `servername` undefined sends no SNI (the host is an IP address). */
function tlsSocket(port: number, servername: string | undefined): Promise<Duplex> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...(servername !== undefined ? { servername } : {}), ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => resolve(s));
  });
}

/** Go's net/http bytes for a head with two Host lines, and nothing after them. */
const GO_TOO_MANY_HOSTS = 'HTTP/1.1 400 Bad Request: too many Host headers\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: too many Host headers';

test('two Host lines get Go\'s 400 "too many Host headers", byte for byte, from every front, and reach no backend', async (t) => {
  const { port, pub, admin } = await setup(t);
  const heads = [
    // The lean front's shape (a plain router, no body): it hands repeated names to node:http.
    'GET / HTTP/1.1\r\nHost: public.test\r\nHost: admin.test\r\n\r\n',
    // Same value twice, another spelling: Go counts lines, not values.
    'GET / HTTP/1.1\r\nHost: public.test\r\nhost: public.test\r\n\r\n',
    // A router with middlewares: node:http from the first byte.
    'GET / HTTP/1.1\r\nHost: styled.test\r\nHost: admin.test\r\n\r\n',
    // An upgrade: node:http's 'upgrade' path.
    'GET / HTTP/1.1\r\nHost: public.test\r\nHost: admin.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  ];
  for (const head of heads) {
    const answer = await exchange(await plainSocket(port), head);
    assert.equal(answer.text, GO_TOO_MANY_HOSTS, JSON.stringify(head));
    assert.ok(answer.closed, 'the connection closes after the answer');
  }
  const overTls = await exchange(await tlsSocket(port, 'public.test'), heads[0] as string);
  assert.equal(overTls.text, GO_TOO_MANY_HOSTS, 'HTTP/1.1 over TLS too');
  assert.ok(overTls.closed);
  // A pipelined request behind a good one: the good one is answered first, then the refusal.
  const pipelined = await exchange(await plainSocket(port), 'GET /first HTTP/1.1\r\nHost: public.test\r\n\r\n' + (heads[0] as string));
  assert.match(pipelined.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(pipelined.text.endsWith('\r\n\r\npublic GET /first ' + GO_TOO_MANY_HOSTS), pipelined.text);
  assert.deepEqual(pub.requests.map((r) => r.url), ['/first']);
  assert.equal(admin.requests.length + pub.upgrades.length + admin.upgrades.length, 0);
});

test('OPTIONS * is answered by the edge, 200 with no body, as Go\'s server answers it before Traefik\'s handlers: no backend sees it', async (t) => {
  const { port, pub, admin } = await setup(t);
  for (const head of [
    'OPTIONS * HTTP/1.1\r\nHost: public.test\r\n\r\n',
    'OPTIONS * HTTP/1.1\r\nHost: styled.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  ]) {
    const answer = await exchange(await plainSocket(port), head, 500);
    assert.match(answer.text, /^HTTP\/1\.1 200 OK\r\n/, JSON.stringify(head));
    assert.match(answer.text, /\r\ncontent-length: 0\r\n/i);
    assert.ok(answer.text.endsWith('\r\n\r\n'), `no body: ${answer.text}`);
  }
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'public.test', rejectUnauthorized: false });
  t.after(() => session.close());
  const h2 = await h2Request(session, { ':method': 'OPTIONS', ':path': '*', ':authority': 'public.test' });
  assert.equal(h2.status, 200);
  assert.equal(h2.body, '');
  assert.equal(pub.requests.length + admin.requests.length, 0);
  // Any other method is Traefik's to route, as Go hands it on: a Host router forwards `GET *` as it came.
  const get = await exchange(await plainSocket(port), 'GET * HTTP/1.1\r\nHost: public.test\r\nConnection: close\r\n\r\n');
  assert.ok(get.text.endsWith('public GET * '), get.text);
});

test('an absolute-form target names the host: routed and forwarded on its authority, not on the Host header', async (t) => {
  const { port, pub, admin } = await setup(t);
  const answer = await exchange(await plainSocket(port), 'GET http://admin.test/x?q=1 HTTP/1.1\r\nHost: public.test\r\nConnection: close\r\n\r\n');
  assert.match(answer.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(answer.text.endsWith('admin GET /x?q=1 '), answer.text);
  assert.equal(pub.requests.length, 0, 'the Host header does not route');
  const seen = admin.requests[0];
  assert.equal(seen?.headers.host, 'admin.test', 'passHostHeader sends the target\'s authority, as Go sets req.Host');
  assert.equal(seen?.headers['x-forwarded-host'], 'admin.test');

  // Userinfo is not part of the host; a port is kept, as in Go's URL.Host.
  const withUser = await exchange(await plainSocket(port), 'GET http://user@admin.test:8080/y HTTP/1.1\r\nHost: public.test\r\nConnection: close\r\n\r\n');
  assert.ok(withUser.text.endsWith('admin GET /y '), withUser.text);
  assert.equal(admin.requests[1]?.headers.host, 'admin.test:8080');
  assert.equal(admin.requests[1]?.headers['x-forwarded-port'], '8080');
});

test('HTTP/2: :authority wins over a host header for routing and for the Host sent upstream', async (t) => {
  const { port, pub, admin } = await setup(t);
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'admin.test', rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const answer = await h2Request(session, { ':method': 'GET', ':path': '/h2', ':authority': 'admin.test', host: 'public.test' });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'admin GET /h2 ');
  assert.equal(pub.requests.length, 0);
  assert.equal(admin.requests[0]?.headers.host, 'admin.test');
});

test('TLS: a Host whose router needs other TLS options than the SNI chose gets 421 Misdirected Request', async (t) => {
  const { port, pub, admin } = await setup(t);
  // SNI public.test negotiated the default options; admin.test's router requires `strict`.
  const misdirected = await exchange(await tlsSocket(port, 'public.test'), 'GET /a HTTP/1.1\r\nHost: admin.test\r\nConnection: close\r\n\r\n');
  const [head, body] = misdirected.text.split('\r\n\r\n');
  assert.match(head ?? '', /^HTTP\/1\.1 421 Misdirected Request\r\n/);
  assert.match(head ?? '', /\r\ncontent-type: text\/plain; charset=utf-8\r\n/i);
  assert.match(head ?? '', /\r\nx-content-type-options: nosniff\r\n/i);
  assert.equal(body, 'Misdirected Request\n', 'Go\'s http.Error body');
  // Without SNI the connection has the default options too.
  const noSni = await exchange(await tlsSocket(port, undefined), 'GET /b HTTP/1.1\r\nHost: admin.test\r\nConnection: close\r\n\r\n');
  assert.match(noSni.text, /^HTTP\/1\.1 421 Misdirected Request\r\n/);
  assert.equal(admin.requests.length, 0);

  // The same over HTTP/2.
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'public.test', rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const status = await new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':path': '/c', ':authority': 'admin.test' });
    let code = 0;
    stream.on('response', (h) => (code = Number(h[':status'])));
    stream.resume();
    stream.on('end', () => resolve(code));
    stream.on('error', reject);
  });
  assert.equal(status, 421);
  assert.equal(admin.requests.length, 0);

  // Controls: matching SNI and Host are served; default options are shared by public.test with or without SNI.
  const matching = await exchange(await tlsSocket(port, 'admin.test'), 'GET /d HTTP/1.1\r\nHost: admin.test\r\nConnection: close\r\n\r\n');
  assert.ok(matching.text.endsWith('admin GET /d '), matching.text);
  const defaults = await exchange(await tlsSocket(port, undefined), 'GET /e HTTP/1.1\r\nHost: public.test\r\nConnection: close\r\n\r\n');
  assert.ok(defaults.text.endsWith('public GET /e '), defaults.text);
  assert.equal(pub.requests.length, 1);
});

test('a 101 switching to another protocol than the one asked for opens no tunnel: Traefik\'s 500', async (t) => {
  const { port, pub } = await setup(t, () => 'Upgrade: h2c\r\nConnection: Upgrade\r\n');
  const answer = await exchange(await plainSocket(port), 'GET /ws HTTP/1.1\r\nHost: public.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  assert.equal(pub.upgrades.length, 1, 'the upgrade reached the backend');
  assert.match(answer.text, /^HTTP\/1\.1 500 Internal Server Error\r\n/, answer.text);
  assert.ok(answer.text.endsWith('\r\n\r\nInternal Server Error'), answer.text);
  assert.ok(!answer.text.includes('tunnel-bytes'), 'nothing of the backend\'s tunnel reaches the client');
  assert.ok(answer.closed);
});

test('a 101 whose Connection does not list upgrade switches to nothing: Traefik\'s 500, no tunnel', async (t) => {
  const { port, pub } = await setup(t, (requested) => `Upgrade: ${requested}\r\n`);
  const answer = await exchange(await plainSocket(port), 'GET /ws HTTP/1.1\r\nHost: public.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.equal(pub.upgrades.length, 1);
  assert.match(answer.text, /^HTTP\/1\.1 500 Internal Server Error\r\n/, answer.text);
  assert.ok(answer.text.endsWith('\r\n\r\nInternal Server Error'), answer.text);
  assert.ok(answer.closed);
});

test('a 101 naming the requested protocol in another case still tunnels', async (t) => {
  const { port } = await setup(t, () => 'Upgrade: WebSocket\r\nConnection: Upgrade\r\n');
  const answer = await exchange(await plainSocket(port), 'GET /ws HTTP/1.1\r\nHost: public.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 500);
  assert.match(answer.text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(answer.text.endsWith('tunnel-bytes'), answer.text);
});

test('Upgrade: h2c is not forwarded as an upgrade: the request is served as plain HTTP/1.1', async (t) => {
  const { port, pub } = await setup(t);
  const answer = await exchange(await plainSocket(port), 'GET /h2c HTTP/1.1\r\nHost: public.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
  assert.match(answer.text, /^HTTP\/1\.1 200 OK\r\n/, answer.text);
  assert.ok(answer.text.endsWith('public GET /h2c '), answer.text);
  assert.equal(pub.upgrades.length, 0, 'no upgrade reached the backend');
  const seen = pub.requests[0];
  assert.equal(seen?.headers.upgrade, undefined);
  assert.equal(seen?.headers['http2-settings'], undefined);
  assert.equal(seen?.headers['x-forwarded-proto'], 'http');
});

test('an upgrade request with a body is forwarded as a plain request with that body, without Upgrade', async (t) => {
  const { port, pub } = await setup(t);
  const sized = await exchange(await plainSocket(port), 'POST /sized HTTP/1.1\r\nHost: public.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\nhello');
  assert.match(sized.text, /^HTTP\/1\.1 200 OK\r\n/, sized.text);
  assert.ok(sized.text.endsWith('public POST /sized hello'), sized.text);
  const chunked = await exchange(await plainSocket(port), 'POST /chunked HTTP/1.1\r\nHost: public.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
  assert.ok(chunked.text.endsWith('public POST /chunked abcde'), chunked.text);
  assert.equal(pub.upgrades.length, 0, 'no upgrade reached the backend');
  assert.equal(pub.requests.length, 2);
  for (const seen of pub.requests) {
    assert.equal(seen.headers.upgrade, undefined);
    assert.doesNotMatch(String(seen.headers.connection), /upgrade/i);
  }
});
