import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { startBackend, type Backend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { TLS11_CLIENT, httpRequest, httpsRequest, tlsHandshake } from '../../support/tls-clients.js';
import { fixtureDir, type FixtureCertificate } from '../../unit/tls/fixture-certificates.js';
import type { BuildInput } from '../../../proxy/index.js';
import type { TlsOptionsConfig } from '../../../proxy/tls/tls-config.js';

// One entrypoint `web` serving HTTPS (router with tls, Host a.test) and plain HTTP (router without tls, Host plain.test)
// on the same port, as Traefik does.

function input(secure: Backend, plain: Backend, cert: FixtureCertificate, options: Record<string, TlsOptionsConfig> = {}, secureTls: { options?: string } = {}): BuildInput {
  return buildInput({
    http: {
      routers: {
        'secure@file': { rule: 'Host(`a.test`)', service: 'secure', tls: secureTls },
        'plain@file': { rule: 'Host(`plain.test`)', service: 'plain' },
      },
      services: {
        'secure@file': { loadBalancer: { servers: [{ url: secure.url }] } },
        'plain@file': { loadBalancer: { servers: [{ url: plain.url }] } },
      },
    },
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }], options, stores: {} },
  });
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, options: Record<string, TlsOptionsConfig> = {}, secureTls: { options?: string } = {}) {
  // Each resource is released even when a later step throws.
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test']);
  const secure = await startBackend('secure-app');
  t.after(() => secure.close());
  const plain = await startBackend('plain-app');
  t.after(() => plain.close());
  const proxy = await startProxy(input(secure, plain, cert, options, secureTls));
  t.after(() => proxy.close(0));
  return { cert, secure, plain, proxy, port: proxy.port('web') };
}

test('HTTPS with SNI a.test gets the a.test certificate (verifiable with it as CA) and the backend answer', async (t) => {
  const { cert, secure, port } = await setup(t);
  const res = await httpsRequest({ port, host: 'a.test', path: '/hello?x=1', tls: { rejectUnauthorized: true, ca: cert.cert } });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'secure-app');
  assert.equal(res.headers['x-backend'], 'secure-app');
  assert.equal(res.certCN, 'a.test');
  assert.equal(res.certFingerprint256, new X509Certificate(cert.cert).fingerprint256);
  assert.equal(secure.seen[0]?.url, '/hello?x=1');
});

test('TLS 1.2 and TLS 1.3 clients are accepted; a TLS 1.1 client is refused under the default option', async (t) => {
  const { port, proxy, secure, plain, cert } = await setup(t);
  const v12 = await httpsRequest({ port, host: 'a.test', tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } });
  assert.equal(v12.protocol, 'TLSv1.2');
  assert.equal(v12.body, 'secure-app');
  const v13 = await httpsRequest({ port, host: 'a.test', tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } });
  assert.equal(v13.protocol, 'TLSv1.3');
  assert.equal(v13.body, 'secure-app');

  const refused = await tlsHandshake(port, 'a.test', TLS11_CLIENT);
  assert.equal(refused.ok, false, JSON.stringify(refused));
  assert.match(refused.error ?? '', /PROTOCOL_VERSION/, 'the server answers with a protocol_version alert');
  await assert.rejects(httpsRequest({ port, host: 'a.test', tls: TLS11_CLIENT }), 'no HTTP answer over TLS 1.1');

  // Control: the same client gets through once the default option allows TLS 1.1, so the refusal above is the proxy's.
  proxy.apply(input(secure, plain, cert, { default: { minVersion: 'VersionTLS11' } }));
  const allowed = await tlsHandshake(port, 'a.test', TLS11_CLIENT);
  assert.equal(allowed.ok, true, JSON.stringify(allowed));
  assert.equal(allowed.protocol, 'TLSv1.1');
});

test('unknown SNI gets the generated default certificate and 404 (no router for that host)', async (t) => {
  const { port, secure } = await setup(t);
  const res = await httpsRequest({ port, host: 'unknown.test' });
  assert.equal(res.certCN, 'TRAEFIK DEFAULT CERT');
  assert.equal(res.status, 404);
  assert.equal(res.body, '404 page not found\n');
  const noSni = await tlsHandshake(port, undefined);
  assert.equal(noSni.cn, 'TRAEFIK DEFAULT CERT');
  assert.equal(secure.seen.length, 0);
});

test('the same port answers plain HTTP for the non-TLS router, and each side only sees its own routers', async (t) => {
  const { port, plain, secure } = await setup(t);
  const res = await httpRequest({ port, host: 'plain.test', path: '/p' });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'plain-app');
  assert.equal(plain.seen[0]?.headers['x-forwarded-proto'], 'http');

  const tlsRouterOverHttp = await httpRequest({ port, host: 'a.test' });
  assert.equal(tlsRouterOverHttp.status, 404, 'a router with tls is HTTPS-only');
  const plainRouterOverHttps = await httpsRequest({ port, host: 'plain.test' });
  assert.equal(plainRouterOverHttps.status, 404, 'a router without tls is HTTP-only');
  assert.equal(secure.seen.length, 0);
  assert.equal(plain.seen.length, 1);
});

test('tls.options minVersion VersionTLS13 on the router refuses TLS 1.2 for its host only', async (t) => {
  const { port } = await setup(t, { 'modern@file': { minVersion: 'VersionTLS13' } }, { options: 'modern' });
  const refused = await tlsHandshake(port, 'a.test', { maxVersion: 'TLSv1.2' });
  assert.equal(refused.ok, false, JSON.stringify(refused));
  await assert.rejects(httpsRequest({ port, host: 'a.test', tls: { maxVersion: 'TLSv1.2' } }));

  const v13 = await httpsRequest({ port, host: 'a.test', tls: { minVersion: 'TLSv1.3' } });
  assert.equal(v13.protocol, 'TLSv1.3');
  assert.equal(v13.body, 'secure-app');
  const otherHost = await tlsHandshake(port, 'other.test', { maxVersion: 'TLSv1.2' });
  assert.equal(otherHost.ok, true, 'hosts without the option keep the default (TLS 1.2 allowed)');
  assert.equal(otherHost.protocol, 'TLSv1.2');
});

test('the backend sees X-Forwarded-Proto https and X-Forwarded-Port from the Host, else 443', async (t) => {
  const { port, secure } = await setup(t);
  const withPort = await httpsRequest({ port, host: `a.test:${port}` });
  assert.equal(withPort.status, 200);
  const withoutPort = await httpsRequest({ port, host: 'a.test' });
  assert.equal(withoutPort.status, 200);
  assert.equal(secure.seen.length, 2);
  assert.equal(secure.seen[0]?.headers['x-forwarded-proto'], 'https');
  assert.equal(secure.seen[0]?.headers['x-forwarded-port'], String(port));
  assert.equal(secure.seen[0]?.headers['x-forwarded-host'], `a.test:${port}`);
  assert.equal(secure.seen[1]?.headers['x-forwarded-proto'], 'https');
  assert.equal(secure.seen[1]?.headers['x-forwarded-port'], '443');
});

test('an HTTPS client cannot smuggle X-Forwarded-Proto past an untrusted entrypoint', async (t) => {
  const { port, secure } = await setup(t);
  await httpsRequest({ port, host: 'a.test', headers: { 'x-forwarded-proto': 'http', 'x-forwarded-port': '1' } });
  assert.equal(secure.seen[0]?.headers['x-forwarded-proto'], 'https');
  assert.equal(secure.seen[0]?.headers['x-forwarded-port'], '443');
});

/** Writes `requests` on one TLS connection at once and reads until the server closes it. */
function tlsExchange(port: number, requests: string, options: { ALPNProtocols?: string[] } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false, ...options }, () => socket.write(requests));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('HTTPS HTTP/1.1, with ALPN http/1.1 or none: a GET, a POST with a body and a GET on one connection are answered in order', async (t) => {
  const { port, secure } = await setup(t);
  const requests =
    'GET /one HTTP/1.1\r\nHost: a.test\r\n\r\n' +
    'POST /two HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello' +
    'GET /three HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n';
  for (const options of [{ ALPNProtocols: ['http/1.1'] }, {}]) {
    secure.seen.length = 0;
    const answer = await tlsExchange(port, requests, options);
    assert.equal(answer.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 3, answer);
    assert.equal(answer.match(/secure-app/g)?.length, 6, 'three bodies and three X-Backend headers');
    assert.deepEqual(secure.seen.map((r) => `${r.method} ${r.url} ${r.body}`), ['GET /one ', 'POST /two hello', 'GET /three ']);
    assert.equal(secure.seen[0]?.headers['x-forwarded-proto'], 'https');
  }
});

test('HTTPS HTTP/1.1 headers up to maxHeaderBytes (1 MiB by default, node\'s own limit is 16 KiB) reach the backend', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  // The backend's own limit must not be what answers.
  const secure = await startBackend('secure-app', undefined, { maxHeaderSize: 1_048_576 });
  t.after(() => secure.close());
  const proxy = await startProxy(input(secure, secure, fixtures.make('a.test', ['a.test'])));
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  const res = await httpsRequest({ port, host: 'a.test', headers: { 'x-big': 'v'.repeat(64 * 1024) } });
  assert.equal(res.status, 200);
  assert.equal(secure.seen[0]?.headers['x-big']?.length, 64 * 1024);
});
