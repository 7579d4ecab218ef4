import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../../../operator/cli/check-command.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pe-check-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function check(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await checkCommand(args, (s) => { out += s; }, (s) => { err += s; });
  return { code, out, err };
}

const STATIC = 'entryPoints:\n  web:\n    address: ":80"\nproviders:\n  docker:\n    exposedByDefault: false\n  file:\n    filename: dynamic.yml\n';
const DYNAMIC = 'http:\n  middlewares:\n    to-https:\n      redirectScheme:\n        scheme: https\n';
const COMPOSE = `services:
  app1:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.app.rule=Host(\`shop.test\`)
      - traefik.http.routers.app.middlewares=to-https@file
      - traefik.http.services.app.loadbalancer.server.port=3000
  app2:
    image: app
    expose: ["3000"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.app.rule=Host(\`shop.test\`)
      - traefik.http.routers.app.middlewares=to-https@file
      - traefik.http.services.app.loadbalancer.server.port=3000
  worker:
    image: worker
`;

test('check --compose --json: Traefik rawdata shape, one pool for identical replicas, exit 0', async () => {
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': COMPOSE });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml'), '--json']);
  const report = JSON.parse(out) as { routers: Record<string, { status: string; using: string[]; rule: string }>; services: Record<string, { status: string; loadBalancer: { servers: { url: string }[] } }>; middlewares: Record<string, { status: string; usedBy: string[] }>; containers: { name: string; status: string; reason?: string }[] };
  assert.equal(code, 0, out);
  assert.equal(report.routers['app@docker']?.status, 'enabled');
  assert.deepEqual(report.routers['app@docker']?.using, ['web']);
  assert.deepEqual(report.services['app@docker']?.loadBalancer.servers.map((s) => s.url), ['http://app1:3000', 'http://app2:3000']);
  assert.deepEqual(report.middlewares['to-https@file']?.usedBy, ['app@docker']);
  const worker = report.containers.find((c) => c.name.endsWith('_worker_1'));
  assert.equal(worker?.status, 'left out');
  assert.match(worker?.reason ?? '', /exposedByDefault is false/);
});

test('check --compose: a typo label fails the check, naming container, label and the fix', async () => {
  const dir = project({ 'traefik.yml': STATIC, 'dynamic.yml': DYNAMIC, 'docker-compose.yml': COMPOSE.replace('routers.app.rule=Host(`shop.test`)\n      - traefik.http.routers.app.middlewares=to-https@file\n      - traefik.http.services.app.loadbalancer.server.port=3000\n  worker', 'routers.app.rulle=Host(`shop.test`)\n      - traefik.http.routers.app.middlewares=to-https@file\n      - traefik.http.services.app.loadbalancer.server.port=3000\n  worker') });
  const { code, out } = await check(['--compose', join(dir, 'docker-compose.yml')]);
  assert.equal(code, 1);
  assert.match(out, /SKIP \S+_app2_1: 1 label error/);
  assert.match(out, /label "traefik\.http\.routers\.app\.rulle": unknown key; did you mean "rule"\?/);
});

test('check --configFile: a bad router in the dynamic file fails the check and names it', async () => {
  const dir = project({ 'traefik.yml': STATIC.replace('  docker:\n    exposedByDefault: false\n', ''), 'dynamic.yml': DYNAMIC + '  routers:\n    web:\n      rule: "Host(\'a.test\')"\n      service: nope\n' });
  const { code, out } = await check(['--configFile', join(dir, 'traefik.yml')]);
  assert.equal(code, 1);
  assert.match(out, /FAIL web@file/);
  assert.match(out, /rule column \d+: single-quoted/);
});

test('check without a target explains what it needs', async () => {
  const { code, err } = await check(['--jsn']);
  assert.equal(code, 2);
  assert.match(err, /unknown option "--jsn"/);
});
