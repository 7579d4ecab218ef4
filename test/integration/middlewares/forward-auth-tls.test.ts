import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, oneClientConnection, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

type After = { after: (fn: () => unknown) => void };

interface Pki {
  caFile: string;
  ca: string;
  server: { cert: string; key: string };
  clientCertFile: string;
  clientKeyFile: string;
  client: { cert: string; key: string };
}

/** A throw-away CA that signs the auth server's certificate (IP 127.0.0.1) and a client certificate (openssl CLI). */
function makePki(t: After): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'pe-fwdauth-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=pe-edge test CA');
  const sign = (name: string, subject: string, ext: string): void => {
    openssl('req', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    writeFileSync(file(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file(`${name}.crt`), '-days', '2', '-extfile', file(`${name}.ext`));
  };
  sign('server', '/CN=auth.test', 'subjectAltName=IP:127.0.0.1,DNS:auth.test\nextendedKeyUsage=serverAuth\n');
  sign('client', '/CN=pe-edge-client', 'extendedKeyUsage=clientAuth\n');
  const read = (name: string): string => readFileSync(file(name), 'utf8');
  return {
    caFile: file('ca.crt'),
    ca: read('ca.crt'),
    server: { cert: read('server.crt'), key: read('server.key') },
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    client: { cert: read('client.crt'), key: read('client.key') },
  };
}

interface HttpsAuth {
  url: string;
  /** The client certificate's CN per request ('' without one). */
  peers: string[];
  connections(): number;
}

/** An HTTPS auth server signed by the test CA; with `mtls`, it refuses clients without a certificate the CA signed. */
async function startHttpsAuth(t: After, pki: Pki, mtls: boolean): Promise<HttpsAuth> {
  const peers: string[] = [];
  let connections = 0;
  const server = https.createServer({ ...pki.server, ca: pki.ca, requestCert: mtls, rejectUnauthorized: mtls }, (req, res) => {
    const cert = (req.socket as TLSSocket).getPeerCertificate();
    peers.push(typeof cert.subject?.CN === 'string' ? cert.subject.CN : '');
    res.setHeader('X-Auth-User', 'tls-user');
    res.end('ok');
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/verify`, peers, connections: () => connections };
}

async function proxyWith(t: After, forwardAuth: Record<string, unknown>): Promise<{ port: number; appSeen: () => number; lastUser: () => unknown }> {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { fa: { forwardAuth } } } });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const app = await startBackend('app');
  t.after(() => app.close());
  const proxy = await startProxy(buildInput({
    http: {
      routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['fa'] } },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: { 'fa@file': config.http.middlewares.fa as Record<string, unknown> },
    },
  }));
  t.after(() => proxy.close(0));
  return { port: proxy.port('web'), appSeen: () => app.seen.length, lastUser: () => app.seen.at(-1)?.headers['x-auth-user'] };
}

test('forwardAuth tls.ca: an https auth server signed by that CA is trusted (file path or inline PEM); without it, 500', async (t) => {
  const pki = makePki(t);
  const auth = await startHttpsAuth(t, pki, false);
  for (const ca of [pki.caFile, pki.ca]) {
    const trusted = await proxyWith(t, { address: auth.url, authResponseHeaders: ['X-Auth-User'], tls: { ca } });
    const r = await httpRequest({ port: trusted.port });
    assert.equal(r.status, 200);
    assert.equal(trusted.lastUser(), 'tls-user');
  }
  const untrusted = await proxyWith(t, { address: auth.url });
  const refused = await httpRequest({ port: untrusted.port });
  assert.deepEqual([refused.status, refused.body], [500, '']);
  assert.equal(untrusted.appSeen(), 0);
});

test('forwardAuth tls.insecureSkipVerify: an auth server whose CA is unknown is still used', async (t) => {
  const pki = makePki(t);
  const auth = await startHttpsAuth(t, pki, false);
  const { port } = await proxyWith(t, { address: auth.url, tls: { insecureSkipVerify: true } });
  assert.equal((await httpRequest({ port })).status, 200);
});

test('forwardAuth tls.cert/key: mutual TLS to an auth server that requires a client certificate; without one, 500', async (t) => {
  const pki = makePki(t);
  const auth = await startHttpsAuth(t, pki, true);
  const withCert = await proxyWith(t, { address: auth.url, tls: { ca: pki.caFile, cert: pki.clientCertFile, key: pki.clientKeyFile } });
  assert.equal((await httpRequest({ port: withCert.port })).status, 200);
  const inline = await proxyWith(t, { address: auth.url, tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } });
  assert.equal((await httpRequest({ port: inline.port })).status, 200);
  assert.deepEqual(auth.peers, ['pe-edge-client', 'pe-edge-client']);
  const without = await proxyWith(t, { address: auth.url, tls: { ca: pki.caFile } });
  assert.equal((await httpRequest({ port: without.port })).status, 500);
  assert.equal(without.appSeen(), 0);
});

test('forwardAuth over https keeps its TLS connection to the auth server alive across requests', async (t) => {
  const pki = makePki(t);
  const auth = await startHttpsAuth(t, pki, true);
  const { port } = await proxyWith(t, { address: auth.url, tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } });
  const agent = oneClientConnection(t);
  for (let i = 0; i < 5; i++) {
    const r = await request(`http://127.0.0.1:${port}/${i}`, { dispatcher: agent, ...(i % 2 === 1 ? { method: 'POST', body: 'b' } : {}) });
    assert.equal(r.statusCode, 200);
    await r.body.text();
  }
  assert.equal(auth.peers.length, 5);
  assert.equal(auth.connections(), 1);
});

test('forwardAuth tls.caOptional (deprecated) is warned about and changes nothing: the auth server is still used', async (t) => {
  const { issues } = validateDynamicConfig({ http: { middlewares: { fa: { forwardAuth: { address: 'https://auth:9000/', tls: { caOptional: true } } } } } });
  assert.deepEqual(issues.map((i) => [i.severity, i.path.join('.')]), [['warning', 'http.middlewares.fa.forwardAuth.tls.caOptional']]);
  const pki = makePki(t);
  const auth = await startHttpsAuth(t, pki, false);
  const { port } = await proxyWith(t, { address: auth.url, tls: { ca: pki.ca, caOptional: true } });
  assert.equal((await httpRequest({ port })).status, 200);
});
