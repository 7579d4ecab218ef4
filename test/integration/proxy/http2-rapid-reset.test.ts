// HTTP/2 rapid reset (CVE-2023-44487): a client opens streams and resets them in the same write, thousands at a
// time. A stream reset in the read that opened it must cost the backend nothing (no connection, no request, no
// stream), whatever the upstream protocol: HTTP/1.1 (pe-edge's pool), h2c:// and https:// with ALPN h2 (pe-edge's
// HTTP/2 pool), https:// on HTTP/1.1 (undici). The connection stays usable: a request sent after the attack on it is
// answered. A stream reset after it was handed on still cancels its upstream exchange.
//
// node 20's nghttp2 (1.61) allows a session 1000 incoming RST_STREAMs at once (then 33 a second) and ends it with
// GOAWAY past that: the attack is 900 pairs a write on each of three connections.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TRANSPORT, type UpstreamTransport } from '../../../proxy/index.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { ERR, FLAG, FRAME, headersFrame, ping, RawH2Connection, requestFields, rstStream, statusOf } from '../../support/h2-frames.js';
import { fixtureDir, type FixtureCertificate } from '../../unit/tls/fixture-certificates.js';

type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/** A backend that counts what reached it: TCP connections, requests (by path), and held requests whose exchange ended. */
interface CountingBackend {
  readonly url: string;
  readonly connections: number;
  readonly paths: string[];
  /** Requests on `/hold` (never answered) whose exchange the proxy ended (connection closed or stream reset). */
  readonly holdsEnded: number;
}

type Kind = 'http' | 'h2c' | 'https-h2' | 'https-h1';

async function countingBackend(t: TestContext, kind: Kind, cert: FixtureCertificate): Promise<CountingBackend> {
  const state = { connections: 0, paths: [] as string[], holdsEnded: 0 };
  const onRequest: Handler = (req, res) => {
    state.paths.push(req.url ?? '');
    if (req.url === '/hold') {
      res.on('close', () => state.holdsEnded++);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  };
  const tls = { cert: cert.cert, key: cert.key };
  const server = kind === 'http' ? http.createServer(onRequest)
    : kind === 'https-h1' ? https.createServer(tls, onRequest)
    : kind === 'h2c' ? http2.createServer(onRequest)
    : http2.createSecureServer({ ...tls, allowHTTP1: false }, onRequest);
  const sockets = new Set<{ destroy(): void }>();
  server.on('connection', (socket: import('node:net').Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  const port = (server.address() as AddressInfo).port;
  const scheme = kind === 'http' ? 'http' : kind === 'h2c' ? 'h2c' : 'https';
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    get connections() { return state.connections; },
    get paths() { return state.paths; },
    get holdsEnded() { return state.holdsEnded; },
  };
}

const KINDS: readonly Kind[] = ['http', 'h2c', 'https-h2', 'https-h1'];

/** pe-edge over TLS with one router per backend kind (`<kind>.test`); the https ones verify the backend's certificate. */
async function proxyTo(t: TestContext): Promise<{ port: number; backends: Record<Kind, CountingBackend>; exchanges: () => number }> {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const backendCert = fixtures.make('backend.test', ['backend.test']);
  const edgeCert = fixtures.make('edge.test', KINDS.map((k) => `${k}.test`));
  const backends = {} as Record<Kind, CountingBackend>;
  // plain.test: the HTTP/1.1 backend for requests on the plain port (h2c).
  const routers: Record<string, { rule: string; service: string; tls?: Record<string, never> }> = { 'plain@file': { rule: 'Host(`plain.test`)', service: 'http' } };
  const services: Record<string, { loadBalancer: { servers: { url: string }[]; serversTransport?: string } }> = {};
  const serversTransports: Record<string, UpstreamTransport> = {};
  for (const kind of KINDS) {
    const backend = await countingBackend(t, kind, backendCert);
    backends[kind] = backend;
    routers[`${kind}@file`] = { rule: `Host(\`${kind}.test\`)`, service: kind, tls: {} };
    const tlsBackend = kind === 'https-h2' || kind === 'https-h1';
    services[`${kind}@file`] = { loadBalancer: { servers: [{ url: backend.url }], ...(tlsBackend ? { serversTransport: kind } : {}) } };
    if (tlsBackend) serversTransports[`${kind}@file`] = { ...DEFAULT_TRANSPORT, rootCAs: [backendCert.certFile], serverName: 'backend.test', disableHTTP2: kind === 'https-h1' };
  }
  // The hook the access log and the metrics hang on: one call per exchange the request path served.
  let exchanges = 0;
  const proxy = await startProxy(buildInput({
    http: { routers, services, serversTransports },
    tls: { certificates: [{ certFile: edgeCert.certFile, keyFile: edgeCert.keyFile }], options: {}, stores: {} },
  }), [entryPointOptions('web', '127.0.0.1:0', { onDone: () => exchanges++ })]);
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), backends, exchanges: () => exchanges };
}

/** RST_STREAM codes the attack cycles through: CANCEL as browsers and the published attack send, and two that node reports as stream errors. */
const RESET_CODES = [ERR.CANCEL, ERR.NO_ERROR, ERR.PROTOCOL_ERROR, ERR.CANCEL, ERR.INTERNAL_ERROR];

/** Waits until the proxy answered a PING sent after everything written so far: it has read all of it. */
async function roundTrip(conn: RawH2Connection): Promise<void> {
  const acks = (): number => conn.frames.filter((f) => f.type === FRAME.PING && (f.flags & FLAG.ACK) !== 0).length;
  const before = acks();
  conn.write(ping());
  assert.ok(await conn.waitFor(() => acks() > before, 10_000), 'the proxy answers a PING after the attack');
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

for (const kind of KINDS) {
  test(`HTTP/2 rapid reset to an ${kind} backend: 2700 streams opened and reset in single writes reach no backend, and each connection still answers the request after them`, async (t) => {
    const { port, backends, exchanges } = await proxyTo(t);
    const backend = backends[kind];
    const host = `${kind}.test`;
    const PAIRS = 900;
    for (let round = 0; round < 3; round++) {
      const conn = await RawH2Connection.connect(port, host, 10_000);
      t.after(() => conn.destroy());
      const frames: Buffer[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const id = 1 + 2 * i;
        frames.push(headersFrame(id, requestFields('GET', `/reset-${id}`, host), true), rstStream(id, RESET_CODES[i % RESET_CODES.length]));
      }
      conn.write(Buffer.concat(frames));
      await roundTrip(conn);
      const real = 1 + 2 * PAIRS;
      conn.write(headersFrame(real, requestFields('GET', `/real-${round}`, host), true));
      const answer = await conn.answerOn(real, 10_000);
      assert.equal(answer === undefined ? undefined : statusOf(answer), 200, `round ${round}: the request after the attack is answered on the same connection`);
      assert.equal(conn.frames.some((f) => f.type === FRAME.GOAWAY), false, `round ${round}: the connection was not closed`);
    }
    assert.deepEqual(backend.paths, ['/real-0', '/real-1', '/real-2'], 'no reset stream reached the backend');
    assert.ok(backend.connections <= 3, `${backend.connections} backend connections for 3 requests`);
    assert.ok(await until(() => exchanges() >= 3, 5000));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(exchanges(), 3, 'the access log and metrics see the three requests, not the reset streams');
  });
}

test('h2c rapid reset (HTTP/2 with prior knowledge on the plain port): 900 streams opened and reset in one write reach no backend, and the request after them is answered', async (t) => {
  const { port, backends, exchanges } = await proxyTo(t);
  const conn = await RawH2Connection.connectH2c(port, 10_000);
  t.after(() => conn.destroy());
  const frames: Buffer[] = [];
  for (let id = 1; id <= 1799; id += 2) frames.push(headersFrame(id, requestFields('GET', `/reset-${id}`, 'plain.test'), true), rstStream(id));
  conn.write(Buffer.concat(frames));
  await roundTrip(conn);
  conn.write(headersFrame(1801, requestFields('GET', '/real', 'plain.test'), true));
  const answer = await conn.answerOn(1801, 10_000);
  assert.equal(answer === undefined ? undefined : statusOf(answer), 200);
  assert.deepEqual(backends.http.paths, ['/real'], 'no reset stream reached the backend');
  assert.equal(backends.http.connections, 1);
  assert.ok(await until(() => exchanges() >= 1, 5000));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(exchanges(), 1, 'the access log and metrics see the request alone');
});

test('HTTP/2 rapid reset past node\'s limit: 1200 resets in one write end that connection with GOAWAY, reach no backend, and the next connection is served', async (t) => {
  const { port, backends } = await proxyTo(t);
  const conn = await RawH2Connection.connect(port, 'http.test', 10_000);
  t.after(() => conn.destroy());
  const frames: Buffer[] = [];
  for (let id = 1; id <= 2399; id += 2) frames.push(headersFrame(id, requestFields('GET', `/reset-${id}`, 'http.test'), true), rstStream(id));
  conn.write(Buffer.concat(frames));
  assert.ok(await conn.waitFor(() => conn.frames.some((f) => f.type === FRAME.GOAWAY), 10_000), 'node ends the connection with GOAWAY');
  const next = await RawH2Connection.connect(port, 'http.test', 10_000);
  t.after(() => next.destroy());
  next.write(headersFrame(1, requestFields('GET', '/next', 'http.test'), true));
  const answer = await next.answerOn(1, 10_000);
  assert.equal(answer === undefined ? undefined : statusOf(answer), 200);
  assert.deepEqual(backends.http.paths, ['/next'], 'no reset stream reached the backend');
});

test('HTTP/2: a stream reset after it was handed on still ends its upstream exchange, on every upstream protocol', async (t) => {
  const { port, backends } = await proxyTo(t);
  for (const kind of KINDS) {
    const backend = backends[kind];
    const conn = await RawH2Connection.connect(port, `${kind}.test`, 10_000);
    t.after(() => conn.destroy());
    conn.write(headersFrame(1, requestFields('GET', '/hold', `${kind}.test`), true));
    assert.ok(await until(() => backend.paths.includes('/hold'), 10_000), `${kind}: the request reached the backend`);
    assert.equal(backend.holdsEnded, 0);
    conn.write(rstStream(1, ERR.CANCEL));
    assert.ok(await until(() => backend.holdsEnded === 1, 5000), `${kind}: the upstream exchange ended after the client reset its stream`);
    // The connection serves on.
    conn.write(headersFrame(3, requestFields('GET', '/after', `${kind}.test`), true));
    const answer = await conn.answerOn(3, 10_000);
    assert.equal(answer === undefined ? undefined : statusOf(answer), 200, `${kind}: the next stream is answered`);
  }
});
