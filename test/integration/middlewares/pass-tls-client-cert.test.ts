// passTLSClientCert on a mutual-TLS entrypoint (tls.options.default.clientAuth): the client certificate and its
// fields go upstream in Traefik's headers over the lean HTTP/1.1 front, node:http and HTTP/2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import http2 from 'node:http2';
import { decodeLabels, validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { httpsRequest } from '../../support/tls-clients.js';
import { fixtureDir, type FixtureCertificate } from '../../unit/tls/fixture-certificates.js';

type After = { after: (fn: () => unknown) => void };

const ALL_INFO = {
  notAfter: true, notBefore: true, sans: true, serialNumber: true,
  subject: { commonName: true, country: true, organization: true },
  issuer: { commonName: true },
};

async function setup(t: After, passTLSClientCert: Record<string, unknown>) {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const server = fixtures.make('mtls.test', ['mtls.test']);
  const client = fixtures.make('client-a', ['client-a.test', 'alt.client-a.test'], 'ec');
  const stranger = fixtures.make('stranger', [], 'ec');
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { pass: { passTLSClientCert } } } });
  assert.deepEqual(issues, []);
  const app = await startBackend('app');
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'Host(`mtls.test`)', service: 's', tls: {}, middlewares: ['pass'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: { 'pass@file': config.http.middlewares.pass as Record<string, unknown> },
    },
    tls: {
      certificates: [{ certFile: server.certFile, keyFile: server.keyFile }],
      // The client's self-signed certificate is its own CA; a certificate is optional, checked when given.
      options: { default: { clientAuth: { caFiles: [client.certFile], clientAuthType: 'VerifyClientCertIfGiven' } } },
      stores: {},
    },
  }));
  t.after(() => proxy.close(0));
  return { app, port: proxy.port('web'), server, client, stranger };
}

/** The PEM's base64 body on one line: what Traefik sends for `pem`, computed from the file here. */
const pemBody = (c: FixtureCertificate) => c.cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

/** Traefik's info string for these options, from node's reading of the certificate, escaped as Go's QueryEscape. */
function expectedInfo(c: FixtureCertificate): string {
  const x = new X509Certificate(c.cert);
  const unix = (d: string) => String(Date.parse(d) / 1000);
  const info = `Subject="CN=client-a";Issuer="CN=client-a";SerialNumber="${BigInt(`0x${x.serialNumber}`).toString()}";NB="${unix(x.validFrom)}";NA="${unix(x.validTo)}";SAN="client-a.test,alt.client-a.test"`;
  return encodeURIComponent(info).replace(/\*/g, '%2A');
}

test('passTLSClientCert over HTTP/1.1 (lean front and node:http): pem and info headers from the client certificate', async (t) => {
  const { app, port, client } = await setup(t, { pem: true, info: ALL_INFO });
  const tls = { cert: client.cert, key: client.key };
  const get = await httpsRequest({ port, host: 'mtls.test', tls });
  assert.equal(get.status, 200);
  const post = await httpsRequest({ port, host: 'mtls.test', method: 'POST', body: 'x', tls });
  assert.equal(post.status, 200);
  for (const seen of app.seen) {
    assert.equal(seen.headers['x-forwarded-tls-client-cert'], pemBody(client));
    assert.equal(seen.headers['x-forwarded-tls-client-cert-info'], expectedInfo(client));
  }
  assert.equal(app.seen.length, 2);
});

test('passTLSClientCert over HTTP/2: the session\'s client certificate', async (t) => {
  const { app, port, client, server } = await setup(t, { pem: true, info: { sans: true } });
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: server.cert, servername: 'mtls.test', cert: client.cert, key: client.key });
  session.on('error', () => undefined);
  t.after(() => session.destroy());
  // Every stream of the session carries it: the first reads it from the connection, the next ones too.
  for (const path of ['/', '/again']) {
    const stream = session.request({ ':path': path, ':authority': 'mtls.test' });
    const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => { stream.once('response', resolve); stream.once('error', reject); });
    stream.resume();
    assert.equal(head[':status'], 200);
  }
  assert.equal(app.seen.length, 2);
  for (const seen of app.seen) {
    assert.equal(seen.headers['x-forwarded-tls-client-cert'], pemBody(client), seen.url);
    assert.equal(seen.headers['x-forwarded-tls-client-cert-info'], 'SAN%3D%22client-a.test%2Calt.client-a.test%22', seen.url);
  }
});

test('passTLSClientCert without a client certificate: the request passes, and copies the client sent are not forwarded', async (t) => {
  const { app, port } = await setup(t, { pem: true, info: ALL_INFO });
  const r = await httpsRequest({ port, host: 'mtls.test', headers: { 'X-Forwarded-Tls-Client-Cert': 'forged', 'X-Forwarded-Tls-Client-Cert-Info': 'forged' } });
  assert.equal(r.status, 200);
  assert.equal(app.seen[0]?.headers['x-forwarded-tls-client-cert'], undefined);
  assert.equal(app.seen[0]?.headers['x-forwarded-tls-client-cert-info'], undefined);
});

test('a client certificate the clientAuth CAs did not sign is refused at the handshake (VerifyClientCertIfGiven)', async (t) => {
  const { app, port, stranger } = await setup(t, { pem: true });
  await assert.rejects(httpsRequest({ port, host: 'mtls.test', tls: { cert: stranger.cert, key: stranger.key } }));
  assert.equal(app.seen.length, 0);
});

test('passTLSClientCert from Docker labels', () => {
  const { config, issues } = decodeLabels({
    'traefik.http.middlewares.pass.passtlsclientcert.pem': 'true',
    'traefik.http.middlewares.pass.passtlsclientcert.info.sans': 'true',
    'traefik.http.middlewares.pass.passtlsclientcert.info.subject.commonname': 'true',
  });
  assert.deepEqual(issues, []);
  const pass = (config.http.middlewares.pass as { passTLSClientCert: { pem: boolean; info: { sans: boolean; subject: { commonName: boolean } } } }).passTLSClientCert;
  assert.equal(pass.pem, true);
  assert.equal(pass.info.sans, true);
  assert.equal(pass.info.subject.commonName, true);
});
