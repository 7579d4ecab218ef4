// Automatic HTTPS from Docker labels: a container asks for a certificate with
// `traefik.http.routers.x.tls.certresolver=pebble`, pe-edge on the host (following the real Docker Engine) orders it
// from pebble, which validates HTTP-01 against pe-edge's web entrypoint on loopback (pebble's httpPort and tlsPort are
// pe-edge's entrypoint ports), and the certificate is served by SNI, chaining to pebble's root.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpsGet, servedCertificate, waitForCertificate } from '../support/acme-edge.js';
import { freePort } from '../support/cli-process.js';
import { pebbleInstalled, startPebble } from '../support/pebble.js';
import { IMAGES, dockerScope, ensureImages, requireDocker } from './support/docker-env.js';
import { hostnameOf, startEdgeOnHost } from './support/edge-on-host.js';

const HOST = 'e2e.acme.test';

test('a labelled container gets its certificate from pebble over HTTP-01 on pe-edge\'s web entrypoint, and answers over HTTPS', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  if (!pebbleInstalled()) {
    if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') assert.fail('Debian package pebble is missing and CI is set');
    console.warn('\n*** SKIPPING the ACME e2e test: Debian package pebble is not installed (.ci/run installs it) ***\n');
    t.skip('Debian package pebble is not installed');
    return;
  }
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  // pebble must know pe-edge's ports before pe-edge knows pebble's directory: the ports are chosen first.
  const webPort = await freePort();
  const securePort = await freePort();
  const pebble = await startPebble({ httpPort: webPort, tlsPort: securePort });
  t.after(() => pebble.close());
  const caFile = scope.writeFile('pebble-ca.pem', pebble.caPem);
  const edge = await startEdgeOnHost(t, {
    network,
    port: webPort,
    entryPoints: { websecure: securePort },
    extra: [
      'certificatesResolvers:',
      '  pebble:',
      '    acme:',
      '      email: ops@acme.test',
      `      caServer: ${JSON.stringify(pebble.directoryUrl)}`,
      `      caCertificates: [${JSON.stringify(caFile)}]`,
      `      storage: ${JSON.stringify(`${scope.dir}/acme.json`)}`,
      '      keyType: EC256',
      '      httpChallenge:',
      '        entryPoint: web',
    ].join('\n'),
    // A failed first attempt (it should not fail) is retried within the test's time, not after a minute.
    env: { PE_EDGE_ACME_RETRY_BASE: '1s' },
  });
  const target = { pebble, securePort };

  await scope.run({
    image: IMAGES.whoami,
    network,
    hostname: 'acme-app',
    labels: {
      'traefik.enable': 'true',
      'traefik.http.routers.x.rule': `Host(\`${HOST}\`)`,
      'traefik.http.routers.x.tls.certresolver': 'pebble',
      'traefik.http.routers.x.entrypoints': 'websecure',
      'traefik.http.services.x.loadbalancer.server.port': '80',
    },
  });

  const cert = await waitForCertificate(target, edge.proc, HOST, (c) => c.trusted, 60_000);
  assert.deepEqual(cert.names, [HOST]);
  assert.match(cert.issuer, /Pebble Intermediate/i);
  const messages = edge.proc.messages();
  assert.equal(messages.filter((m) => m === 'Ordering ACME certificate').length, 1, edge.proc.output());
  assert.ok(messages.includes('ACME certificate obtained'), edge.proc.output());
  assert.ok(!messages.some((m) => m.startsWith('Unable to obtain ACME certificate')), edge.proc.output());

  const res = await httpsGet(target, HOST, '/through-tls');
  assert.equal(res.status, 200, res.body);
  assert.equal(hostnameOf(res.body), 'acme-app');
  assert.match(res.body, /^GET \/through-tls HTTP\/1\.1$/m);
  assert.match(res.body, /^X-Forwarded-Proto: https$/m);

  // Another name gets pe-edge's default certificate, not the ordered one.
  const other = await servedCertificate(target, 'other.acme.test');
  assert.equal(other.trusted, false);
  assert.notEqual(other.serial, cert.serial);
});
