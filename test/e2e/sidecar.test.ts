// pe-edge as the sidecar of the generated dev compose file: the `pe-edge` service (pe-edge:local,
// non-root, Docker socket mounted, the dev traefik.yml mounted) in front of app1..app3 from
// pe-edge-whoami:local, reached through its published port on 127.0.0.1; Docker marks it healthy
// through its own HEALTHCHECK (`pe-edge healthcheck`).
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, repoRoot } from '../support/cli-process.js';
import { IMAGES, docker, dockerScope, ensureImages, httpGet, requireDocker, waitFor } from './support/docker-env.js';
import { hostnameOf, runPeEdge } from './support/edge-on-host.js';

test('the generated dev compose file runs pe-edge as a sidecar: healthy, app1..app3 rotate on its published port', { timeout: 150_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = `pee2e-${process.pid}-sidecar_net`;
  const gen = await runPeEdge([
    'compose', 'generate', '--dev', '--app-image', IMAGES.whoami, '--app-port', '80', '--edge-image', IMAGES.edge, '--network', network,
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  const web = await freePort();
  const metrics = await freePort();
  const root = repoRoot();
  const yaml = gen.stdout
    // Free loopback ports instead of 8080/8082; the repository's files by absolute path.
    .replace('"127.0.0.1:8080:80"', `"127.0.0.1:${web}:80"`)
    .replace('"127.0.0.1:8082:8082"', `"127.0.0.1:${metrics}:8082"`)
    .replace('"./examples/compose/traefik.dev.yml:', `"${join(root, 'examples/compose/traefik.dev.yml')}:`)
    .replace('"./dynamic.yml:', `"${join(root, 'dynamic.yml')}:`);
  // The app router keeps the seed's chain from dynamic.yml: security headers, rate limit, compression, circuit
  // breaker, retry (checked below).
  assert.match(yaml, /traefik\.http\.routers\.app\.middlewares: "security-headers@file,rate-limit@file,compression@file,circuit-breaker@file,retry@file"/);
  assert.match(yaml, new RegExp(`127\\.0\\.0\\.1:${web}:80`));
  // Nothing about the socket's group: the image joins it at start (this host's is not 999) and drops to its user.
  assert.doesNotMatch(yaml, /group_add|DOCKER_GID/);
  const project = scope.compose('sidecar', yaml);
  const t0 = Date.now();
  await project.up();
  const edgeContainer = (await project.ps()).find((c) => c.service === 'pe-edge');
  assert.ok(edgeContainer !== undefined);
  const serviceOf = new Map((await project.ps()).map((c) => [c.id.slice(0, 12), c.service]));

  // Docker's view: the edge's HEALTHCHECK (pe-edge healthcheck → /ping) turns it healthy.
  await waitFor('pe-edge healthy', async () => {
    const ps = await project.ps();
    const edge = ps.find((c) => c.service === 'pe-edge');
    if (edge?.state !== 'running') throw new Error(`pe-edge is ${edge?.state}:\n${await project.logs('pe-edge')}`);
    return edge.health === 'healthy';
  }, { timeoutMs: 60_000, intervalMs: 500 });
  const healthyAfter = Date.now() - t0;
  // The seed's own commands, as with Traefik's image: `traefik` is pe-edge.
  assert.match(await docker(['exec', edgeContainer.id, 'traefik', 'healthcheck']), /^OK: http:\/\/.*\/ping$/);
  assert.match(await docker(['exec', edgeContainer.id, 'traefik', 'version']), /^Version: +\d+\.\d+\.\d+\nCodename: +pe-edge$/m);

  const seen = await waitFor('app1..app3 through the sidecar', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(`http://127.0.0.1:${web}/`, { headers: { Host: 'localhost' } });
      if (r.status === 200) names.add(serviceOf.get(hostnameOf(r.body) ?? '') ?? '?');
    }
    return names.size === 3 ? names : undefined;
  }, { timeoutMs: 45_000, intervalMs: 250 }).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}\n${(await project.logs('pe-edge')).slice(-4000)}`);
  });
  assert.deepEqual([...seen].sort(), ['app1', 'app2', 'app3']);
  const order: string[] = [];
  for (let i = 0; i < 9; i++) {
    const r = await httpGet(`http://127.0.0.1:${web}/s${i}`, { headers: { Host: 'localhost' } });
    assert.equal(r.status, 200, r.body);
    order.push(serviceOf.get(hostnameOf(r.body) ?? '') ?? '?');
  }
  for (let i = 3; i < order.length; i++) assert.equal(order[i], order[i - 3], `strict rotation: ${order.join(',')}`);
  assert.equal(new Set(order).size, 3);
  // The seed's middlewares, through the generated labels and the repository's dynamic.yml.
  const page = await httpGet(`http://127.0.0.1:${web}/page`, { headers: { Host: 'localhost', 'Accept-Encoding': 'gzip', 'X-Pad': 'x'.repeat(1500) } });
  assert.equal(page.status, 200);
  assert.equal(page.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains; preload');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'strict-origin-when-cross-origin');
  assert.equal(page.headers['content-security-policy'], "default-src 'self'; frame-ancestors 'none'");
  assert.equal(page.headers['content-encoding'], 'gzip', 'a body over 1 kB is compressed');
  assert.equal(page.headers['server'], undefined);
  // The sticky cookie pins a client to one container.
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  assert.match(cookie, /^pe_session=/);
  const pinned = new Set<string>();
  for (let i = 0; i < 4; i++) pinned.add(hostnameOf((await httpGet(`http://127.0.0.1:${web}/p${i}`, { headers: { Host: 'localhost', Cookie: cookie } })).body) ?? '?');
  assert.equal(pinned.size, 1, 'one container for a client with the cookie');
  // rate-limit@file: burst 50 then 100 a minute; a quick 80 more must meet 429s with Retry-After.
  const burst = await Promise.all(Array.from({ length: 80 }, (_, i) => httpGet(`http://127.0.0.1:${web}/b${i}`, { headers: { Host: 'localhost' } })));
  const refused = burst.filter((r) => r.status === 429);
  assert.ok(refused.length > 0 && burst.some((r) => r.status === 200), `200s then 429s: ${burst.map((r) => r.status).join(',')}`);
  assert.ok(refused.every((r) => Number(r.headers['retry-after']) >= 1));
  const ping = await httpGet(`http://127.0.0.1:${web}/ping`);
  assert.equal(ping.status, 200);
  const logs = await project.logs('pe-edge');
  assert.doesNotMatch(logs, /EACCES/, 'the non-root edge reads the Docker socket');
  // The edge runs as `node`, not root, with the socket's group (this host's, whatever its number) among its groups.
  const pid = (await docker(['inspect', '--format', '{{.State.Pid}}', edgeContainer.id])).trim();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  assert.ok(uid !== undefined && uid !== '0', `the edge's uid: ${uid}`);
  assert.ok((/^Groups:(.*)$/m.exec(status)?.[1] ?? '').trim().split(/\s+/).includes(String(statSync('/var/run/docker.sock').gid)), 'in the socket\'s group');
  t.diagnostic(`pe-edge healthy ${healthyAfter} ms after up; rotation ${order.slice(0, 3).join(',')}…`);
});
