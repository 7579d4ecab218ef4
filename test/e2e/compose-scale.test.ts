// `pe-edge compose scale` with the real docker-compose: `app=6` gives the generated app1..app3 pool six containers,
// and neither a later `pe-edge compose up` nor the user's own `docker-compose up -d` scales it back (Compose reads
// the deploy.replicas that scale wrote). Scaling keeps the running containers: none is recreated.
// The apps only (pe-edge:latest is not built here); the project and network are this test's own.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { IMAGES, docker, ensureImages, requireDocker, runCommand } from './support/docker-env.js';
import { runPeEdge } from './support/edge-on-host.js';

test('compose scale app=6 spreads over app1..app3 and survives `pe-edge compose up` and `docker-compose up -d`', { timeout: 300_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  // Read only: made by build-images.sh (CI runs it first); built here only when missing.
  if ((await runCommand('docker', ['image', 'inspect', IMAGES.whoami], { timeoutMs: 30_000 })).code !== 0) await ensureImages();
  const project = `pe-compose-scale-test-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'pe-compose-scale-'));
  const file = join(dir, 'docker-compose.yml');
  const gen = await runPeEdge([
    'compose', 'generate', '--dev', '--app-image', IMAGES.whoami, '--app-port', '80', '--app-healthcheck', 'none', '--network', project, '-o', file,
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  // The app pool alone: no edge (its image is not built here, its ports may be taken), no Prometheus.
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.deleteIn(['services', 'pe-edge']);
  doc.deleteIn(['services', 'prometheus']);
  doc.delete('volumes');
  writeFileSync(file, doc.toString({ lineWidth: 0 }));

  const composeV1 = (args: string[]) => runCommand('docker-compose', ['--ansi', 'never', '-p', project, '-f', file, ...args], { timeoutMs: 180_000 });
  // One hook, in this order: down needs the file.
  t.after(async () => {
    await composeV1(['down', '-v', '--remove-orphans', '-t', '1']);
    rmSync(dir, { recursive: true, force: true });
  });
  const pe = async (args: string[]) => {
    const r = await runPeEdge(['compose', ...args, '-f', file, '-p', project], 180_000);
    assert.equal(r.code, 0, `pe-edge compose ${args.join(' ')}:\n${r.stderr}`);
  };
  /** Running containers by compose service, and their ids. */
  const running = async () => {
    const out = await docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.ID}} {{.Label "com.docker.compose.service"}}']);
    const rows = out.split('\n').filter((l) => l !== '').map((l) => l.split(' ') as [string, string]);
    const perService: Record<string, number> = {};
    for (const [, service] of rows) perService[service] = (perService[service] ?? 0) + 1;
    return { perService, ids: rows.map(([id]) => id).sort() };
  };

  const t0 = Date.now();
  await pe(['up']);
  assert.deepEqual((await running()).perService, { app1: 1, app2: 1, app3: 1 });

  await pe(['scale', 'app=6']);
  const scaled = await running();
  assert.deepEqual(scaled.perService, { app1: 2, app2: 2, app3: 2 });
  await pe(['up']);
  assert.deepEqual(await running(), scaled, '`pe-edge compose up` keeps six containers, the same ones');
  const plain = await composeV1(['up', '-d']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(await running(), scaled, '`docker-compose up -d` keeps six containers, the same ones');

  await pe(['scale', 'app=2']);
  assert.deepEqual((await running()).perService, { app1: 1, app2: 1 });
  await pe(['scale', 'app1=3']);
  assert.deepEqual((await running()).perService, { app1: 3, app2: 1 });
  assert.equal((await composeV1(['up', '-d'])).code, 0);
  assert.deepEqual((await running()).perService, { app1: 3, app2: 1 }, 'app3 stays at 0, app1 at 3');
  t.diagnostic(`up, scale and up again in ${Math.round((Date.now() - t0) / 1000)} s`);
});
