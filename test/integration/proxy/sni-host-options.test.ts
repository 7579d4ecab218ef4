import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { shortLivedClientCertificate } from '../../support/short-lived-client-certificate.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// The reference's snicheck (Traefik v3.2) compares the TLS options of the request's Host with those the SNI selected,
// whichever router then takes the request: a client that negotiated the default options (no client certificate) under
// another name gets 421 for admin.test, whose routers ask for mTLS, even when a Host-less router (HostRegexp) outranks
// admin.test's own. Later Traefik compares the router's options only, and serves such a request without a certificate.

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, adminRule = 'Host(`admin.test`)') {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('public.test', ['public.test', 'admin.test']);
  const client = shortLivedClientCertificate(3600);
  const caFile = join(fixtures.dir, 'client-ca.pem');
  writeFileSync(caFile, client.ca);
  const admin = await startBackend('admin');
  const shared = await startBackend('shared');
  t.after(async () => { await admin.close(); await shared.close(); });
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'admin@file': { rule: adminRule, service: 'admin', tls: { options: 'mtls' } },
        // Assets of every site: no Host matcher, so no TLS options of its own, and a longer rule (higher priority).
        'assets@file': { rule: 'HostRegexp(`^[a-z]+\\.test$`) && PathPrefix(`/assets`)', service: 'shared', tls: {} },
      },
      services: {
        'admin@file': { loadBalancer: { servers: [{ url: admin.url }] } },
        'shared@file': { loadBalancer: { servers: [{ url: shared.url }] } },
      },
    },
    tls: {
      certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile }],
      options: { 'mtls@file': { clientAuth: { caFiles: [caFile], clientAuthType: 'RequireAndVerifyClientCert' } } },
      stores: {},
    },
  }));
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), admin, shared, client };
}

/** One HTTP/1.1 GET over TLS: the status line. */
function get(port: number, servername: string, host: string, path: string, extra: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false, ...extra }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
  });
}

test('a Host whose TLS options differ from the SNI\'s gets 421 even when a Host-less router takes it, as Traefik\'s snicheck', async (t) => {
  const { port, admin, shared, client } = await setup(t);
  // Negotiated under public.test (default options, no certificate), asking for admin.test.
  assert.equal(await get(port, 'public.test', 'admin.test', '/assets/app.js'), 'HTTP/1.1 421 Misdirected Request');
  assert.equal(await get(port, 'public.test', 'admin.test:443', '/assets/app.js'), 'HTTP/1.1 421 Misdirected Request');
  assert.equal(await get(port, 'public.test', 'ADMIN.test.', '/assets/app.js'), 'HTTP/1.1 421 Misdirected Request');

  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'public.test', rejectUnauthorized: false });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  const status = await new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':path': '/assets/app.js', ':authority': 'admin.test' });
    let code = 0;
    stream.on('response', (h) => (code = Number(h[':status'])));
    stream.resume();
    stream.on('end', () => resolve(code));
    stream.on('error', reject);
  });
  assert.equal(status, 421, 'HTTP/2');
  assert.equal(shared.seen.length, 0, 'no request for admin.test reached a backend without a client certificate');

  // Controls: the assets for public.test, and admin.test over a connection that showed its certificate.
  assert.equal(await get(port, 'public.test', 'public.test', '/assets/app.js'), 'HTTP/1.1 200 OK');
  assert.equal(await get(port, 'admin.test', 'admin.test', '/', { cert: client.cert, key: client.key }), 'HTTP/1.1 200 OK');
  assert.equal(shared.seen.length, 1);
  assert.equal(admin.seen.length, 1);
});

test('a Host whose TLS options differ from the SNI\'s gets 421 where no router matches too, as Traefik\'s snicheck runs before its routers', async (t) => {
  const { port, admin, shared, client } = await setup(t, 'Host(`admin.test`) && PathPrefix(`/api`)');
  // Without a client certificate, a 404 for one path and a 421 for another told which of admin.test's paths exist.
  assert.equal(await get(port, 'public.test', 'admin.test', '/no-such-page'), 'HTTP/1.1 421 Misdirected Request');
  assert.equal(await get(port, 'public.test', 'admin.test', '/api/users'), 'HTTP/1.1 421 Misdirected Request');
  assert.equal(await get(port, 'public.test', 'other.test', '/no-such-page'), 'HTTP/1.1 404 Not Found', 'same options, no router');
  assert.equal(await get(port, 'admin.test', 'admin.test', '/no-such-page', { cert: client.cert, key: client.key }), 'HTTP/1.1 404 Not Found');
  assert.equal(admin.seen.length + shared.seen.length, 0);
});
