// http.serversTransports.<name>.certificates: the client certificate pe-edge shows an https backend that asks for
// one (mutual TLS), configured in dynamic.yml as Traefik users write it, files or inline PEM.
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';
import { startCliWithDynamic, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

test('serversTransports certificates: the backend that requires a client certificate gets the first one listed; without it the backend serves nothing', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const server = fixtures.make('backend.test', ['backend.test']);
  // Self-signed, so the backend trusts it as its own CA.
  const client = fixtures.make('pe-edge-client', []);
  const seen: string[] = [];
  const backend = https.createServer({ cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: true, ca: [client.cert] }, (req, res) => {
    const subject = (req.socket as TLSSocket).getPeerCertificate().subject;
    seen.push(String(subject?.CN));
    res.end(`hello ${String(subject?.CN)}`);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { backend.closeAllConnections(); backend.close(() => resolve()); }));
  const url = `https://127.0.0.1:${(backend.address() as AddressInfo).port}`;

  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const ca = server.certFile;
  const { certFile, keyFile } = client;
  const other = fixtures.make('second-client', []);
  const { proc, port } = await startCliWithDynamic(t, dir, [
    'http:',
    '  routers:',
    '    mtls: { rule: "PathPrefix(`/mtls`)", service: mtls }',
    '    plain: { rule: "PathPrefix(`/plain`)", service: plain }',
    '  services:',
    `    mtls: { loadBalancer: { servers: [{ url: "${url}" }], serversTransport: mtls } }`,
    `    plain: { loadBalancer: { servers: [{ url: "${url}" }], serversTransport: plain } }`,
    '  serversTransports:',
    '    mtls:',
    '      serverName: backend.test',
    `      rootCAs: ["${ca}"]`,
    '      certificates:',
    `        - { certFile: "${certFile}", keyFile: "${keyFile}" }`,
    `        - { certFile: ${JSON.stringify(other.cert)}, keyFile: ${JSON.stringify(other.key)} }`,
    '    plain:',
    '      serverName: backend.test',
    `      rootCAs: ["${ca}"]`,
  ].join('\n') + '\n');

  const ok = await httpGet(`http://127.0.0.1:${port}/mtls`);
  assert.equal(ok.status, 200, proc.output());
  assert.equal(ok.body, 'hello pe-edge-client');
  const refused = await httpGet(`http://127.0.0.1:${port}/plain`);
  assert.notEqual(refused.status, 200, 'a transport without certificates is refused by the backend');
  assert.deepEqual(seen, ['pe-edge-client'], 'the backend served only the request that showed the certificate');
});
