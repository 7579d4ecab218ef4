// The generated development topology (pe-edge compose generate --dev) with app1..app3 running
// pe-edge-whoami:local, and pe-edge on the host following Docker: the app router's Host reaches the
// three containers in strict rotation (no sticky cookie sent), one pool of three servers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/cli-process.js';
import { IMAGES, dockerScope, ensureImages, requireDocker, waitFor } from './support/docker-env.js';
import { hostnameOf, runPeEdge, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

test('generated dev topology: app1..app3 rotate behind pe-edge on the host', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = `pee2e-${process.pid}-topo_net`;
  const gen = await runPeEdge([
    'compose', 'generate', '--dev', '--app-image', IMAGES.whoami, '--app-port', '80', '--edge-image', IMAGES.edge, '--network', network,
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.match(gen.stdout, /traefik\.http\.routers\.app\.rule: "Host\(`localhost`\) \|\| Host\(`www\.localhost`\)"/);
  // Everything as generated, the seed's middlewares (@file, from the repository's dynamic.yml) included.
  const yaml = gen.stdout;
  assert.match(yaml, /traefik\.http\.routers\.app\.middlewares: "security-headers@file,rate-limit@file,compression@file,circuit-breaker@file,retry@file"/);
  const project = scope.compose('topo', yaml);
  const t0 = Date.now();
  // The app containers only: pe-edge runs on the host (sidecar.test.ts runs it as the compose service).
  await project.up(['app1', 'app2', 'app3']);
  const edge = await startEdgeOnHost(t, { network, dynamicFile: join(repoRoot(), 'dynamic.yml') });

  const ps = await project.ps();
  assert.deepEqual(ps.map((c) => c.service), ['app1', 'app2', 'app3']);
  const serviceOf = new Map(ps.map((c) => [c.id.slice(0, 12), c.service]));
  // The generated apps have a Docker HEALTHCHECK (interval 10 s): each joins once healthy.
  await waitFor('app1..app3 healthy', async () => (await project.ps()).every((c) => c.health === 'healthy'), { timeoutMs: 60_000, intervalMs: 500 });
  const seen = await waitFor('all three apps routed', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await viaEdge(edge, 'localhost');
      if (r.status === 200) names.add(hostnameOf(r.body) ?? '');
    }
    return names.size === 3 ? names : undefined;
  }, { timeoutMs: 10_000, intervalMs: 100 });
  assert.deepEqual([...seen].map((h) => serviceOf.get(h)).sort(), ['app1', 'app2', 'app3']);
  const ready = Date.now() - t0;

  // Strict rotation: 12 requests on fresh connections, no cookie sent back.
  const order: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await viaEdge(edge, i % 2 === 0 ? 'localhost' : 'www.localhost', `/r${i}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-frame-options'], 'DENY', 'the seed chain ran (security-headers@file)');
    // The generated sticky cookie is offered (and not sent back here).
    assert.match(String(r.headers['set-cookie'] ?? ''), /pe_session=/);
    order.push(serviceOf.get(hostnameOf(r.body) ?? '') ?? `unknown:${hostnameOf(r.body)}`);
  }
  assert.equal(new Set(order).size, 3, order.join(','));
  for (let i = 3; i < order.length; i++) assert.equal(order[i], order[i - 3], `strict rotation: ${order.join(',')}`);
  t.diagnostic(`up→3 apps routed in ${ready} ms (includes the 10 s Docker health interval); rotation ${order.slice(0, 6).join(',')}…`);
});
