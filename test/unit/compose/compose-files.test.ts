// The shipped compose files are the generator's output, and Compose itself accepts what we generate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as spec from '../../../labels-spec/index.js';
import { apr1, DASHBOARD_USERS_ENV, defineTopology, generateCompose, type TopologyInput } from '../../../compose/index.js';

// dist-*/test/unit/compose -> repository root
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const fromEnv = { usersFromEnv: DASHBOARD_USERS_ENV } as const;

test('shipped docker-compose.prod.yml and .dev.yml are what `pe-edge compose generate` produces', async () => {
  const shipped: [string, TopologyInput, string][] = [
    ['docker-compose.prod.yml', { dashboard: fromEnv }, 'pe-edge compose generate --dashboard-from-env'],
    ['docker-compose.dev.yml', { dev: true, dashboard: fromEnv }, 'pe-edge compose generate --dev --dashboard-from-env'],
  ];
  for (const [file, input, command] of shipped) {
    const actual = await readFile(join(ROOT, file), 'utf8');
    assert.equal(actual, generateCompose(defineTopology(input)), `${file} is stale: regenerate with \`${command} > ${file}\``);
  }
});

test('examples/compose/traefik.dev.yml is a valid static configuration', async () => {
  const raw: unknown = parse(await readFile(join(ROOT, 'examples/compose/traefik.dev.yml'), 'utf8'));
  const { issues } = spec.validateStaticConfig(raw);
  assert.deepEqual(issues.filter((i) => i.severity === 'error').map((i) => i.message), []);
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { env }, (err, _stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      done({ code, stderr });
    });
  });
}

const COMPOSE_V1 = '/usr/bin/docker-compose';
async function composeAvailable(): Promise<boolean> {
  return (await run(COMPOSE_V1, ['version'], process.env)).code === 0;
}

test('docker-compose v1 `config -q` accepts every generated variant', async (t) => {
  if (!(await composeAvailable())) {
    if (process.env['CI']) assert.fail(`${COMPOSE_V1} is missing and CI is set`);
    process.stderr.write(`\n*** SKIPPING docker-compose config test: ${COMPOSE_V1} not found ***\n\n`);
    t.skip(`${COMPOSE_V1} not found`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pe-edge-compose-'));
  try {
    const variants: [string, TopologyInput][] = [
      ['prod inline hash', { dashboard: { user: 'admin', passwordHash: apr1('test', 'H6uskkkW') } }],
      ['dev inline hash', { dev: true, dashboard: { user: 'admin', passwordHash: apr1('test') } }],
      ['prod from env', { dashboard: fromEnv }],
      ['dev from env, 5 replicas', { dev: true, replicas: 5, dashboard: fromEnv }],
    ];
    const env = { ...process.env, [DASHBOARD_USERS_ENV]: 'admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/' };
    for (const [name, input] of variants) {
      const file = join(dir, 'docker-compose.yml');
      await writeFile(file, generateCompose(defineTopology(input)));
      const result = await run(COMPOSE_V1, ['-f', file, 'config', '-q'], env);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the shipped prod file refuses to run without dashboard credentials', async (t) => {
  if (!(await composeAvailable())) {
    t.skip(`${COMPOSE_V1} not found`);
    return;
  }
  const env = { ...process.env };
  delete env[DASHBOARD_USERS_ENV];
  const result = await run(COMPOSE_V1, ['-f', join(ROOT, 'docker-compose.prod.yml'), 'config', '-q'], env);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /set PE_EDGE_DASHBOARD_USERS/);
});
