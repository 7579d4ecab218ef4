import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { DEFAULT_TRANSPORT, type UpstreamTransport } from '../../../proxy/index.js';
import { generateSelfSignedCertificate } from '../../../proxy/tls/self-signed-certificate.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';

// serversTransport to an https server whose certificate no public CA signed: refused by default (500, as
// Traefik answers a failed verification), accepted with rootCAs naming it or with insecureSkipVerify.

test('https upstreams: certificate verified by default, trusted through rootCAs (+ serverName), or not checked with insecureSkipVerify', async (t) => {
  const now = Date.now();
  const { cert, key } = generateSelfSignedCertificate({ commonName: 'backend.test', dnsNames: ['backend.test'], notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  const server = https.createServer({ cert, key }, (_req, res) => res.end('secure'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transports: Record<string, UpstreamTransport> = {
    'ca@file': { ...DEFAULT_TRANSPORT, rootCAs: [cert], serverName: 'backend.test' },
    'skip@file': { ...DEFAULT_TRANSPORT, insecureSkipVerify: true },
  };
  const proxy = await startProxy(buildInput({
    http: {
      routers: {
        'default@file': { rule: 'PathPrefix(`/default`)', service: 'default' },
        'ca@file': { rule: 'PathPrefix(`/ca`)', service: 'ca' },
        'skip@file': { rule: 'PathPrefix(`/skip`)', service: 'skip' },
      },
      services: {
        'default@file': { loadBalancer: { servers: [{ url }] } },
        'ca@file': { loadBalancer: { servers: [{ url }], serversTransport: 'ca' } },
        'skip@file': { loadBalancer: { servers: [{ url }], serversTransport: 'skip' } },
      },
      serversTransports: transports,
    },
  }));
  t.after(() => proxy.close(0));
  const base = `http://127.0.0.1:${proxy.port('web')}`;
  const refused = await request(`${base}/default`);
  assert.equal(refused.statusCode, 500);
  await refused.body.text();
  for (const path of ['/ca', '/skip']) {
    const res = await request(`${base}${path}`);
    assert.equal(res.statusCode, 200, path);
    assert.equal(await res.body.text(), 'secure', path);
  }
});
