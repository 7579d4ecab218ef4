import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempConfigDir, startCliWithDynamic } from '../../support/cli-process.js';
import { startH2Backend } from '../../support/h2-backend.js';
import { httpRequest } from '../../support/tls-clients.js';
import { fixtureDir } from '../../unit/tls/fixture-certificates.js';

// A serversTransport's `spiffe` asks the server to prove a SPIFFE identity. pe-edge has no Workload API client: ignoring
// the option made the transport trust whatever its other TLS settings trust (with insecureSkipVerify, any server),
// where Traefik refuses such a transport. Now the transport is left out, so no request goes through it.

test('a serversTransport with spiffe is left out (an error naming it): no request reaches a server it would not verify', async (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const backend = await startH2Backend(fixtures.make('impostor.test', ['impostor.test']));
  t.after(() => backend.close());
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const { proc, port } = await startCliWithDynamic(t, dir, [
    'http:',
    '  routers:',
    '    r: { rule: "Host(`a.test`)", service: s }',
    '  services:',
    `    s: { loadBalancer: { serversTransport: sv, servers: [{ url: "https://127.0.0.1:${backend.port}" }] } }`,
    '  serversTransports:',
    '    sv: { insecureSkipVerify: true, spiffe: { ids: ["spiffe://example.org/backend"] } }',
    '',
  ].join('\n'));
  const res = await httpRequest({ port, host: 'a.test' });
  assert.notEqual(res.status, 200);
  assert.equal(backend.seen.length, 0, 'nothing reached the server');
  await proc.waitForLine('serversTransports.sv.spiffe', 5_000);
});
