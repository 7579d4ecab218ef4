// A label typo is an error that names the container, the label and the closest valid key; the
// container is left out and its neighbours keep serving. `pe-edge check --docker` reports the same
// and exits 1; `pe-edge check --compose` catches it in a compose file before a deploy (no Docker).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TempConfigDir } from '../support/cli-process.js';
import { IMAGES, dockerScope, ensureImages, requireDocker, waitFor } from './support/docker-env.js';
import { hostEdgeYaml, hostnameOf, runPeEdge, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

const TYPO = 'traefik.http.routers.x.rulle';

test('a typo label is logged with the container, the label and "did you mean"; the good container keeps serving; check --docker exits 1', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  const edge = await startEdgeOnHost(t, { network });
  const good = await scope.run({
    image: IMAGES.whoami, network, hostname: 'good',
    labels: { 'traefik.enable': 'true', 'traefik.http.routers.good.rule': 'Host(`good.test`)', 'traefik.http.services.good.loadbalancer.server.port': '80' },
  });
  const bad = await scope.run({
    image: IMAGES.whoami, network, hostname: 'bad',
    labels: { 'traefik.enable': 'true', [TYPO]: 'Host(`bad.test`)', 'traefik.http.services.x.loadbalancer.server.port': '80' },
  });

  const line = await edge.proc.waitForLine((l) => l.includes(bad.name) && l.includes(TYPO), 10_000);
  const record = JSON.parse(line) as { level: string; message: string; container?: string };
  assert.equal(record.level, 'error');
  assert.equal(record.container, bad.name);
  assert.match(record.message, /did you mean "rule"/);
  assert.ok(record.message.includes(`label "${TYPO}"`), record.message);
  const first = await waitFor('good.test routed', async () => {
    const r = await viaEdge(edge, 'good.test');
    return r.status === 200 ? r : undefined;
  }, { timeoutMs: 5000, intervalMs: 50 });
  assert.equal(hostnameOf(first.body), 'good');
  for (let i = 0; i < 5; i++) {
    const r = await viaEdge(edge, 'good.test');
    assert.equal(r.status, 200);
    assert.equal(hostnameOf(r.body), 'good');
  }
  // The bad container is left out entirely: its would-be rule routes nowhere.
  assert.equal((await viaEdge(edge, 'bad.test')).status, 404);
  assert.ok(good.id !== bad.id);

  // pe-edge check --docker: the same error, exit 1 (other containers on the engine may add their own).
  const check = await runPeEdge(['check', '--docker', `--configFile=${edge.configFile}`], 30_000);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  const text = check.stdout + check.stderr;
  assert.ok(text.includes(bad.name), text);
  assert.ok(text.includes(`label "${TYPO}"`), text);
  assert.match(text, /did you mean "rule"/);
  const json = await runPeEdge(['check', '--docker', `--configFile=${edge.configFile}`, '--json'], 30_000);
  assert.equal(json.code, 1);
  assert.ok(json.stdout.includes(TYPO) && json.stdout.includes(bad.name), json.stdout.slice(0, 2000));
  JSON.parse(json.stdout);
});

/** A well-labelled compose service, the neighbour of the typo in the compose checks. */
const API_SERVICE = [
  '  api:',
  `    image: ${IMAGES.whoami}`,
  '    labels:',
  '      traefik.enable: "true"',
  '      traefik.http.routers.api.rule: "Host(`api.test`)"',
  '      traefik.http.services.api.loadbalancer.server.port: "80"',
];

test('pe-edge check --compose: a typo label in a compose file exits 1 naming it (no Docker needed)', async () => {
  const dir = new TempConfigDir();
  try {
    dir.write('traefik.yml', hostEdgeYaml(8080, { network: 'shop_default' }));
    const file = dir.write('docker-compose.yml', [
      'services:',
      '  web:',
      `    image: ${IMAGES.whoami}`,
      '    labels:',
      '      - traefik.enable=true',
      `      - ${TYPO}=Host(\`bad.test\`)`,
      '      - traefik.http.services.x.loadbalancer.server.port=80',
      ...API_SERVICE,
      '',
    ].join('\n'));
    const r = await runPeEdge(['check', '--compose', file, '--project', 'shop']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`label "${TYPO}"`), r.stdout);
    assert.match(r.stdout, /did you mean "rule"/);
    assert.match(r.stdout, /shop_web_1/);
    assert.match(r.stdout, /api@docker/);
    // Without the typo: exit 0.
    dir.write('docker-compose.yml', [
      'services:',
      ...API_SERVICE,
      '',
    ].join('\n'));
    const ok = await runPeEdge(['check', '--compose', file, '--project', 'shop']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  } finally {
    dir.remove();
  }
});

test('pe-edge check --docker with no providers.docker section warns that pe-edge would not read the labels, and still checks them', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const configFile = dir.write('traefik.yml', 'entryPoints:\n  web:\n    address: "127.0.0.1:0"\n');
  const json = await runPeEdge(['check', '--docker', `--configFile=${configFile}`, '--json'], 30_000);
  const report = JSON.parse(json.stdout) as { errors: string[]; warnings: string[] };
  assert.ok(report.warnings.some((w) => w.includes('providers.docker is not configured')), json.stdout.slice(0, 2000));
  assert.ok(!report.errors.some((e) => e.includes('providers.docker is not configured')), 'a warning, not an error');
});
