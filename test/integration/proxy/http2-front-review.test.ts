import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { startBackend } from '../../support/backends.js';
import { entryPointOptions, buildInput, startProxy } from '../../support/proxy-fixture.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// Attacks on the HTTP/2 stream front (proxy/entrypoints/http2-front/): what a client noticed differently from
// node's compatibility layer, each with a real pe-edge on loopback.

type After = { after: (fn: () => Promise<void> | void) => void };

async function tlsProxy(t: After, serverUrl: string, extra: Parameters<typeof entryPointOptions>[2] = {}) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's', tls: {} } },
        services: { 's@file': { loadBalancer: { servers: [{ url: serverUrl }] } } },
      },
      tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options: {}, stores: {} },
    }),
    [entryPointOptions('web', '127.0.0.1:0', extra)],
  );
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), cert };
}

function session(t: After, port: number, ca: string): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'a.test' });
  s.on('error', () => undefined);
  t.after(() => s.destroy());
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

interface Answer { status: number; body: string; trailers: http2.IncomingHttpHeaders | null; rst: number | undefined }

function get(s: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const stream = s.request(headers, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    const a: Answer = { status: 0, body: '', trailers: null, rst: undefined };
    stream.on('response', (h) => (a.status = Number(h[':status'])));
    stream.on('trailers', (tr) => (a.trailers = tr));
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (a.body += c));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      a.rst = stream.rstCode;
      resolve(a);
    });
  });
}

test('HTTP/2: a GET whose answer takes longer than readTimeout is answered, not reset (the request was whole at once)', async (t) => {
  const backend = await startBackend('slow', (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('late but whole');
    }, 1500);
  });
  t.after(() => backend.close());
  const { port, cert } = await tlsProxy(t, backend.url, { readTimeout: 500 });
  const s = await session(t, port, cert.cert);
  const a = await get(s, { ':method': 'GET', ':path': '/', ':authority': 'a.test' });
  assert.equal(a.status, 200, `answered (rst ${String(a.rst)})`);
  assert.equal(a.body, 'late but whole');
});

test('HTTP/2: an upstream answer with a Content-Length and trailers keeps its trailers for a client that sent TE: trailers', async (t) => {
  const up = http2.createServer();
  up.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'content-length': '5' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-sum': '5' }));
    stream.end('hello');
  });
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => up.close(() => resolve())));
  const { port, cert } = await tlsProxy(t, `h2c://127.0.0.1:${(up.address() as AddressInfo).port}`);
  const s = await session(t, port, cert.cert);
  const a = await get(s, { ':method': 'POST', ':path': '/svc/Method', ':authority': 'a.test', te: 'trailers', 'content-type': 'application/grpc' }, 'x');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'hello');
  assert.equal(a.trailers?.['grpc-status'], '0', `trailers: ${JSON.stringify(a.trailers)}`);
});
