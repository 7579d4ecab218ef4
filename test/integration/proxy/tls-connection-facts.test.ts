// Each front keeps a TLS connection's facts (version, cipher, client certificate) on its own connection object, so
// the access log, the metrics, passTLSClientCert and the compressed-body cache read them without a global lookup,
// asked of node once per connection: the lean HTTP/1.1 front's connection, node:http's after a hand-off (the same
// object), the HTTP/2 session's peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import { SocketTlsConnection, type TlsSocketView } from '../../../proxy/http/tls-connection.js';
import { until } from '../../support/tls-edge-cli.js';
import { createPrometheusMetrics } from '../../../proxy/observability/metrics.js';

type T = { after: (fn: () => Promise<void> | void) => void };

/** Entrypoint `web` with a TLS router and a plain one for a.test; every finished request's context is kept. */
async function setup(t: T) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const backend = await startBackend('app', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
  t.after(() => backend.close());
  const done: RequestContext[] = [];
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'secure@file': { rule: 'Host(`a.test`)', service: 'app', tls: {} }, 'plain@file': { rule: 'Host(`a.test`)', service: 'app' } },
      services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }), [entryPointOptions('web', '127.0.0.1:0', { onDone: (ctx) => done.push(ctx) })]);
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), cert, done };
}

/** Writes `requests` on one connection and resolves once `answers` answers (by their status lines) arrived. */
function exchange(socket: net.Socket, requests: string, answers: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if ((text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length >= answers && /ok$/.test(text)) resolve(text);
    });
    socket.once('error', reject);
    socket.write(requests);
  });
}

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`;
// A chunked body: the lean front hands the connection to node:http, which serves it and every request after it.
const CHUNKED_POST = 'POST /node-http HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n';

test('HTTP/1.1 over TLS: the lean front and node:http after the hand-off read one TlsConnection per connection, with its version and cipher', async (t) => {
  const { port, cert, done } = await setup(t);
  const connect = async (): Promise<tls.TLSSocket> => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'a.test', ca: cert.cert, ALPNProtocols: ['http/1.1'] });
    t.after(() => socket.destroy());
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return socket;
  };
  const first = await connect();
  await exchange(first, GET('/lean') + CHUNKED_POST + GET('/after'), 3);
  const second = await connect();
  await exchange(second, GET('/other'), 1);
  await until(() => done.length === 4);

  const byPath = new Map(done.map((ctx) => [ctx.rawPath, ctx]));
  const onFirst = ['/lean', '/node-http', '/after'].map((path) => byPath.get(path)?.tlsConnection);
  const connection = onFirst[0];
  assert.ok(connection, 'the lean front\'s request has its connection\'s TLS facts');
  assert.ok(onFirst.every((c) => c === connection), 'node:http\'s requests after the hand-off share the lean front\'s object');
  assert.notEqual(byPath.get('/other')?.tlsConnection, connection, 'another connection has its own');
  for (const ctx of done) {
    assert.equal(ctx.tls, true);
    const facts = ctx.tlsConnection?.facts();
    assert.equal(facts?.protocol, 'TLSv1.3', `${ctx.rawPath}: version`);
    assert.match(String(facts?.cipher), /^TLS_/, `${ctx.rawPath}: cipher`);
  }
  // The metrics read the same facts: traefik_entrypoint_requests_tls_total counts the four by version and cipher.
  const metrics = createPrometheusMetrics({ addInternals: false, buckets: [1], addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: false, headerLabels: {} });
  for (const ctx of done) metrics.onRequestDone(ctx);
  const series = (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('traefik_entrypoint_requests_tls_total'));
  assert.equal(series.length, 1, series.join('\n'));
  assert.match(series[0] ?? '', /\{entrypoint="web",tls_cipher="TLS_[A-Z0-9_]+",tls_version="1\.3"\} 4$/);
});

test('HTTP/2 over TLS: every stream of a session reads the session\'s peer; plain HTTP/1.1 and h2c have none', async (t) => {
  const { port, cert, done } = await setup(t);
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert.cert, servername: 'a.test' });
  t.after(() => session.destroy());
  const get = (client: http2.ClientHttp2Session, path: string): Promise<void> => new Promise((resolve, reject) => {
    const stream = client.request({ ':path': path, ':authority': 'a.test' });
    stream.on('error', reject).resume().on('end', resolve);
  });
  await get(session, '/h2-one');
  await get(session, '/h2-two');
  const h2c = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => h2c.destroy());
  await get(h2c, '/h2c');
  const plain = net.connect(port, '127.0.0.1');
  t.after(() => plain.destroy());
  await exchange(plain, GET('/plain'), 1);
  await until(() => done.length === 4);

  const byPath = new Map(done.map((ctx) => [ctx.rawPath, ctx]));
  const h2 = byPath.get('/h2-one')?.tlsConnection;
  assert.ok(h2);
  assert.equal(byPath.get('/h2-two')?.tlsConnection, h2, 'one per session');
  assert.equal(h2.facts().protocol, 'TLSv1.3');
  assert.match(String(h2.facts().cipher), /^TLS_/);
  for (const path of ['/h2c', '/plain']) {
    assert.equal(byPath.get(path)?.tls, false, path);
    assert.equal(byPath.get(path)?.tlsConnection, null, path);
  }
});

test('SocketTlsConnection asks a TLS socket for its facts and client certificate once, and keeps nothing before the handshake', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const server = fixtures.make('a.test', ['a.test']);
  const client = fixtures.make('client', []);
  const accepted = new Promise<tls.TLSSocket>((resolve) => {
    const listener = tls.createServer({ cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: false }, resolve);
    t.after(() => listener.close());
    listener.listen(0, '127.0.0.1', () => {
      const address = listener.address();
      const socket = tls.connect({ port: typeof address === 'object' && address !== null ? address.port : 0, host: '127.0.0.1', ca: server.cert, servername: 'a.test', cert: client.cert, key: client.key });
      socket.on('error', () => undefined);
      t.after(() => socket.destroy());
    });
  });
  const socket = await accepted;
  t.after(() => socket.destroy());
  const asked = { protocol: 0, cipher: 0, certificate: 0 };
  // The real socket's answers, counted.
  const view: TlsSocketView = {
    get destroyed() {
      return socket.destroyed;
    },
    getProtocol: () => (asked.protocol++, socket.getProtocol()),
    getCipher: () => (asked.cipher++, socket.getCipher()),
    getPeerX509Certificate: () => (asked.certificate++, socket.getPeerX509Certificate()),
  };
  const connection = new SocketTlsConnection(view);
  for (let i = 0; i < 3; i++) {
    assert.equal(connection.facts().protocol, 'TLSv1.3');
    assert.match(String(connection.facts().cipher), /^TLS_/);
    assert.match(connection.clientCertificate()?.subject ?? '', /CN=client/);
  }
  assert.deepEqual(asked, { protocol: 1, cipher: 1, certificate: 1 });

  // A socket whose handshake has not ended yet tells no version: a later ask still gets it.
  let protocol: string | null = null;
  const early = new SocketTlsConnection({ destroyed: false, getProtocol: () => protocol, getCipher: () => ({ standardName: 'TLS_AES_128_GCM_SHA256' }) });
  assert.equal(early.facts().protocol, null);
  protocol = 'TLSv1.3';
  assert.equal(early.facts().protocol, 'TLSv1.3');
});

test('HTTP/1.1 over TLS: a request whose client left before its answer still has its connection\'s TLS facts (its access log line is written after the close)', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  let release: (() => void) | null = null;
  const backend = await startBackend('app', (_req, res) => {
    release = () => res.end('late');
  });
  t.after(() => {
    (release as (() => void) | null)?.();
    return backend.close();
  });
  const done: RequestContext[] = [];
  const proxy = await startProxy(buildInput({
    http: { routers: { 'secure@file': { rule: 'Host(`a.test`)', service: 'app', tls: {} } }, services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } } },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
  }), [entryPointOptions('web', '127.0.0.1:0', { onDone: (ctx) => done.push(ctx) })]);
  t.after(() => proxy.close(0));
  const socket = tls.connect({ port: proxy.port('web'), host: '127.0.0.1', servername: 'a.test', ca: cert.cert, ALPNProtocols: ['http/1.1'] });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  socket.write(GET('/slow'));
  await until(() => release !== null);
  socket.destroy();
  await until(() => done.length === 1);
  const facts = done[0]?.tlsConnection?.facts();
  assert.equal(facts?.protocol, 'TLSv1.3');
  assert.match(String(facts?.cipher), /^TLS_/);
});
