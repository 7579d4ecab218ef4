// HTTP/2 to upstreams, seen from the servers' side and from HTTP/1.1 clients: h2c:// servers for HTTP/1.1 clients
// (trailers relayed chunked to a client that takes them), https:// servers by ALPN unless disableHTTP2, a GOAWAY
// that lets the stream under way finish, one aborted stream leaving the others, readIdleTimeout/pingTimeout closing
// a connection whose server went silent, peerCertURI.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DEFAULT_TRANSPORT, type UpstreamTransport } from '../../../proxy/index.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { startH2Backend, type H2Backend } from '../../support/h2-backend.js';
import { httpRequest } from '../../support/tls-clients.js';
import { fixtureDir, type FixtureCertificate } from '../../unit/tls/fixture-certificates.js';

/** pe-edge with one router per host, each to a one-server service (`url`, optional serversTransport). */
async function startEdge(t: TestContext, routes: Record<string, { url: string; transport?: UpstreamTransport }>): Promise<number> {
  const routers: Record<string, { rule: string; service: string }> = {};
  const services: Record<string, { loadBalancer: { servers: { url: string }[]; serversTransport?: string } }> = {};
  const serversTransports: Record<string, UpstreamTransport> = {};
  for (const [host, route] of Object.entries(routes)) {
    routers[`${host}@file`] = { rule: `Host(\`${host}\`)`, service: host };
    services[`${host}@file`] = { loadBalancer: { servers: [{ url: route.url }], ...(route.transport !== undefined ? { serversTransport: host } : {}) } };
    if (route.transport !== undefined) serversTransports[`${host}@file`] = route.transport;
  }
  const proxy = await startProxy(buildInput({ http: { routers, services, serversTransports } }));
  t.after(() => proxy.close(0));
  return proxy.port('web');
}

async function h2Backend(t: TestContext, tls?: FixtureCertificate): Promise<H2Backend> {
  const backend = await startH2Backend(tls);
  t.after(() => backend.close());
  return backend;
}

function certificates(t: TestContext): (name: string, sans: string[]) => FixtureCertificate {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  return (name, sans) => fixtures.make(name, sans);
}

test('HTTP/1.1 clients reach an h2c:// server; its trailers come chunked to a client that sent TE: trailers, and only to it', async (t) => {
  const backend = await h2Backend(t);
  const port = await startEdge(t, { 'a.test': { url: `h2c://127.0.0.1:${backend.port}` } });

  // Without a body: the lean HTTP/1.1 front answers.
  const get = await httpRequest({ port, host: 'a.test', path: '/a?q=1', headers: { te: 'trailers' } });
  assert.equal(get.status, 200);
  assert.equal(get.body, '2.0 GET /a?q=1 ', 'the server was spoken to in HTTP/2');
  assert.equal(get.headers['transfer-encoding'], 'chunked');
  assert.deepEqual({ ...get.trailers }, { 'x-checksum': '0' });
  assert.equal(backend.seen[0]?.headers.te, 'trailers', 'TE: trailers is forwarded');
  assert.equal(backend.seen[0]?.headers[':authority'], 'a.test', 'Host becomes :authority');

  // With a body: node:http's front answers.
  const post = await httpRequest({ port, host: 'a.test', method: 'POST', path: '/b', headers: { te: 'trailers, deflate' }, body: 'hello' });
  assert.equal(post.body, '2.0 POST /b hello');
  assert.deepEqual({ ...post.trailers }, { 'x-checksum': '5' });
  assert.equal(backend.seen[1]?.headers.te, 'trailers', 'only the trailers token of TE goes upstream');

  const plain = await httpRequest({ port, host: 'a.test', path: '/c' });
  assert.equal(plain.body, '2.0 GET /c ');
  assert.deepEqual({ ...plain.trailers }, {}, 'a client that did not ask for trailers gets none');
  assert.equal(backend.seen[2]?.headers.te, undefined);
});

test('https:// servers get HTTP/2 by ALPN; disableHTTP2 on the serversTransport keeps them on HTTP/1.1', async (t) => {
  const cert = certificates(t)('backend.test', ['backend.test']);
  const backend = await h2Backend(t, cert);
  const verified: UpstreamTransport = { ...DEFAULT_TRANSPORT, rootCAs: [cert.certFile], serverName: 'backend.test' };
  const port = await startEdge(t, {
    'h2.test': { url: `https://127.0.0.1:${backend.port}`, transport: verified },
    'h1.test': { url: `https://127.0.0.1:${backend.port}`, transport: { ...verified, disableHTTP2: true } },
  });
  assert.equal((await httpRequest({ port, host: 'h2.test', path: '/x' })).headers['x-seen-version'], '2.0');
  assert.equal((await httpRequest({ port, host: 'h1.test', path: '/x' })).headers['x-seen-version'], '1.1');
  assert.deepEqual(backend.seen.map((s) => s.version), ['2.0', '1.1']);
});

test('a GOAWAY lets the stream under way finish, and the next request goes on a new connection', async (t) => {
  const backend = await h2Backend(t);
  const port = await startEdge(t, { 'a.test': { url: `h2c://127.0.0.1:${backend.port}` } });
  const held = httpRequest({ port, host: 'a.test', path: '/hold' });
  await until(() => backend.seen.length === 1);
  // The server goes away gracefully: GOAWAY (NO_ERROR), the held stream still to be answered.
  (backend.sessions[0] as { close(): void }).close();
  await new Promise((r) => setTimeout(r, 100));
  const next = await httpRequest({ port, host: 'a.test', path: '/next' });
  assert.equal(next.status, 200);
  assert.equal(backend.seen[1]?.session, 1, 'the request after GOAWAY came on a second connection');
  backend.release();
  const first = await held;
  assert.equal(first.status, 200);
  assert.equal(first.body, '2.0 GET /hold ', 'the stream under way when GOAWAY came finished');
});

test('a client that goes away aborts its stream alone: the other streams of the connection are answered', async (t) => {
  const backend = await h2Backend(t);
  const port = await startEdge(t, { 'a.test': { url: `h2c://127.0.0.1:${backend.port}` } });
  const leaving = net.connect(port, '127.0.0.1');
  leaving.write('GET /hold HTTP/1.1\r\nHost: a.test\r\n\r\n');
  await until(() => backend.seen.length === 1);
  const staying = httpRequest({ port, host: 'a.test', path: '/hold' });
  await until(() => backend.seen.length === 2);
  assert.equal(backend.seen[1]?.session, 0, 'both requests share one HTTP/2 connection');
  leaving.destroy();
  await new Promise((r) => setTimeout(r, 100));
  backend.release();
  const answer = await staying;
  assert.equal(answer.status, 200);
  assert.equal(backend.sessions.length, 1, 'the connection was not closed with the aborted stream');
  assert.equal(backend.sessions[0]?.closed, false);
});

/** A TCP relay in front of a server; `freeze()` stops relaying the server's bytes (a server gone silent). */
async function relay(t: TestContext, serverPort: number): Promise<{ port: number; freeze(): void; clientClosed: Promise<void> }> {
  let frozen = false;
  let closed!: () => void;
  const clientClosed = new Promise<void>((resolve) => (closed = resolve));
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(serverPort, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (b: Buffer) => upstream.write(b));
    upstream.on('data', (b: Buffer) => {
      if (!frozen) client.write(b);
    });
    client.on('close', () => {
      closed();
      upstream.destroy();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, freeze: () => (frozen = true), clientClosed };
}

test('readIdleTimeout and pingTimeout: a connection whose server stops answering is PINGed, then closed', async (t) => {
  const backend = await h2Backend(t);
  const watched = await relay(t, backend.port);
  const unwatched = await relay(t, backend.port);
  const port = await startEdge(t, {
    'watched.test': { url: `h2c://127.0.0.1:${watched.port}`, transport: { ...DEFAULT_TRANSPORT, readIdleTimeout: 200, pingTimeout: 300 } },
    'unwatched.test': { url: `h2c://127.0.0.1:${unwatched.port}`, transport: { ...DEFAULT_TRANSPORT, readIdleTimeout: 0 } },
  });
  assert.equal((await httpRequest({ port, host: 'watched.test', path: '/' })).status, 200);
  assert.equal((await httpRequest({ port, host: 'unwatched.test', path: '/' })).status, 200);
  watched.freeze();
  unwatched.freeze();
  const started = Date.now();
  const closed = await Promise.race([watched.clientClosed.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
  assert.equal(closed, true, 'the silent connection was closed');
  const took = Date.now() - started;
  assert.ok(took >= 400 && took < 3000, `closed ${took} ms after the server went silent (readIdleTimeout 200 + pingTimeout 300)`);
  const stillOpen = await Promise.race([unwatched.clientClosed.then(() => false), new Promise((r) => setTimeout(() => r(true), 500))]);
  assert.equal(stillOpen, true, 'without readIdleTimeout a silent connection is not PINGed away');
});

test('readIdleTimeout and pingTimeout: a server that goes silent after the connection was quiet once is PINGed and closed too, as Go checks every quiet spell', async (t) => {
  const backend = await h2Backend(t);
  const watched = await relay(t, backend.port);
  const port = await startEdge(t, {
    'watched.test': { url: `h2c://127.0.0.1:${watched.port}`, transport: { ...DEFAULT_TRANSPORT, readIdleTimeout: 200, pingTimeout: 300 } },
  });
  assert.equal((await httpRequest({ port, host: 'watched.test', path: '/' })).status, 200);
  // Quiet past readIdleTimeout: a PING goes out and is answered; the connection stays.
  await new Promise((resolve) => setTimeout(resolve, 700));
  watched.freeze();
  const closed = await Promise.race([watched.clientClosed.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
  assert.equal(closed, true, 'the connection, silent from its second quiet spell on, was closed');
});

test('peerCertURI: the server certificate must carry that URI among its SANs', async (t) => {
  const cert = certificates(t)('backend.test', ['backend.test', 'URI:spiffe://edge.test/backend']);
  const backend = await h2Backend(t, cert);
  const verified: UpstreamTransport = { ...DEFAULT_TRANSPORT, rootCAs: [cert.certFile], serverName: 'backend.test' };
  const url = `https://127.0.0.1:${backend.port}`;
  const port = await startEdge(t, {
    'good.test': { url, transport: { ...verified, peerCertURI: 'spiffe://edge.test/backend' } },
    'bad.test': { url, transport: { ...verified, peerCertURI: 'spiffe://edge.test/other' } },
    'bad-h1.test': { url, transport: { ...verified, peerCertURI: 'spiffe://edge.test/other', disableHTTP2: true } },
    'untrusted.test': { url, transport: { ...DEFAULT_TRANSPORT, insecureSkipVerify: true, peerCertURI: 'spiffe://edge.test/backend' } },
  });
  assert.equal((await httpRequest({ port, host: 'good.test', path: '/' })).status, 200);
  assert.equal((await httpRequest({ port, host: 'bad.test', path: '/' })).status, 500);
  assert.equal((await httpRequest({ port, host: 'bad-h1.test', path: '/' })).status, 500, 'the HTTP/1.1 (undici) path checks it too');
  assert.equal((await httpRequest({ port, host: 'untrusted.test', path: '/' })).status, 500, 'the chain must verify even under insecureSkipVerify');
  assert.equal(backend.seen.length, 1, 'no request reached the server through a refused certificate');
});

test('an HTTP health check of an h2c:// server probes it in HTTP/2 and follows its answers', async (t) => {
  const backend = await h2Backend(t);
  const healthCheck = { path: '/health', interval: 100, timeout: 1000, headers: {}, followRedirects: true, method: '', status: 0 };
  const proxy = await startProxy(buildInput({ http: {
    routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's' } },
    services: { 's@file': { loadBalancer: { servers: [{ url: `h2c://127.0.0.1:${backend.port}` }], healthCheck } } },
  } }));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  await new Promise((r) => setTimeout(r, 300)); // a few probes ran
  assert.equal((await httpRequest({ port, host: 'a.test', path: '/' })).status, 200, 'the server passed its probes');
  assert.ok(backend.seen.length === 1 && backend.seen[0]?.version === '2.0');
  backend.healthy = false;
  await until503(port, true);
  backend.healthy = true;
  await until503(port, false);
});

async function until503(port: number, down: boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await httpRequest({ port, host: 'a.test', path: '/' })).status === 503 !== down) {
    if (Date.now() > deadline) assert.fail(down ? 'the unhealthy server kept getting traffic' : 'the healthy server never came back');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition never met');
    await new Promise((r) => setTimeout(r, 10));
  }
}
