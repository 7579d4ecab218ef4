// The Docker Engine restarted under a running pe-edge: pe-edge logs the disconnect and keeps running
// and serving (its file-provider route to a local backend, and what the last Docker configuration
// still reaches), reconnects with backoff, resyncs, and routes to the containers that exist
// afterwards. Named zz-* so it runs after the other e2e files; it always leaves dockerd running.
// It stops every container on the machine: it runs only in CI or with PE_EDGE_E2E_ENGINE_RESTART=1.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { IMAGES, dockerScope, ensureImages, requireDocker, waitFor } from './support/docker-env.js';
import { engineRestartAllowed, ensureDockerd, startDockerd, stopDockerd } from './support/docker-engine.js';
import { hostnameOf, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

const labels = (host: string): Record<string, string> => ({
  'traefik.enable': 'true',
  [`traefik.http.routers.${host.replace(/\W/g, '')}.rule`]: `Host(\`${host}\`)`,
  [`traefik.http.services.${host.replace(/\W/g, '')}.loadbalancer.server.port`]: '80',
});

test('dockerd restarted: pe-edge keeps serving, reconnects, resyncs and routes the containers that exist afterwards', { timeout: 240_000 }, async (t) => {
  if (!engineRestartAllowed(t)) return;
  if (!(await requireDocker(t))) return;
  await ensureImages();
  // Registered first, so it runs last (after the containers are removed): an engine must be left answering.
  t.after(() => ensureDockerd());
  const scope = dockerScope(t);
  const network = await scope.network();

  // A backend on the host, routed by the file provider: proves serving goes on without the engine.
  const local = http.createServer((_req, res) => res.end('Hostname: host-local\n'));
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => local.close(() => r())));
  const localPort = (local.address() as AddressInfo).port;
  const dynamic = scope.writeFile('dynamic.yml', [
    'http:',
    '  routers:',
    '    local:',
    '      rule: Host(`local.test`)',
    '      service: local',
    '  services:',
    '    local:',
    '      loadBalancer:',
    '        servers:',
    `          - url: http://127.0.0.1:${localPort}`,
    '',
  ].join('\n'));
  const edge = await startEdgeOnHost(t, { network, dynamicFile: dynamic });
  const a = await scope.run({ image: IMAGES.whoami, network, labels: labels('a.test'), hostname: 'restart-a' });
  await waitFor('a.test routed', async () => hostnameOf((await viaEdge(edge, 'a.test')).body) === 'restart-a', { timeoutMs: 10_000, intervalMs: 50 });
  const syncsBefore = edge.proc.messages().filter((m) => m.startsWith('Docker provider synced')).length;
  const aIp = await a.ip(network);

  // ---- engine down
  const downAt = Date.now();
  await stopDockerd();
  const stoppedIn = Date.now() - downAt;
  await edge.proc.waitForLine((l) => /Docker event stream ended|Docker engine unreachable/.test(l), 15_000);
  // Without live-restore, dockerd stops its containers on the way down: is a.test's container still up?
  const aUp = await viaEdge({ url: `http://${aIp}:80` }, 'direct', '/', 1000).then((r) => r.status === 200, () => false);
  for (let i = 0; i < 10; i++) {
    const r = await viaEdge(edge, 'local.test');
    assert.equal(r.status, 200, 'the file-provider route keeps serving while the engine is down');
    assert.equal(hostnameOf(r.body), 'host-local');
  }
  const viaA = await viaEdge(edge, 'a.test');
  if (aUp) {
    assert.equal(viaA.status, 200, 'the last Docker configuration keeps serving a container still up');
  } else {
    // Its container was stopped with the engine (kill/die events before the stream closed): out of the pool.
    assert.notEqual(viaA.status, 200);
  }
  assert.equal(edge.proc.exit, undefined, 'pe-edge keeps running without the engine');
  await new Promise((r) => setTimeout(r, 1500)); // a few reconnect attempts while it is down
  const retries = edge.proc.messages().filter((m) => m.startsWith('Docker engine unreachable')).length;
  assert.ok(retries >= 1, 'reconnect attempts are logged');

  // ---- engine back
  const upAt = Date.now();
  await startDockerd();
  const startedIn = Date.now() - upAt;
  await edge.proc.waitFor(() => edge.proc.messages().filter((m) => m.startsWith('Docker provider synced')).length > syncsBefore, 20_000, 'a resync after the restart');
  const resyncedIn = Date.now() - upAt;
  const aState = await a.state();
  await scope.run({ image: IMAGES.whoami, network, labels: labels('b.test'), hostname: 'restart-b' });
  await waitFor('b.test routed after the restart', async () => hostnameOf((await viaEdge(edge, 'b.test')).body) === 'restart-b', { timeoutMs: 10_000, intervalMs: 50 });
  if (aState.Running) {
    await waitFor('a.test routed again', async () => hostnameOf((await viaEdge(edge, 'a.test')).body) === 'restart-a', { timeoutMs: 10_000, intervalMs: 50 });
  } else {
    assert.equal((await viaEdge(edge, 'a.test')).status, 404, 'a container that is gone after the restart is not routed');
  }
  assert.equal((await viaEdge(edge, 'local.test')).status, 200);
  t.diagnostic(`dockerd stopped in ${stoppedIn} ms (a.test's container ${aUp ? 'stayed up' : 'was stopped with it'}); ${retries} reconnect attempt(s) logged; ` +
    `engine answered ${startedIn} ms after start, pe-edge resynced ${resyncedIn} ms after start; a.test afterwards: ${aState.Running ? 'running' : aState.Status}`);
});
