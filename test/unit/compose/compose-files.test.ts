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
import { ACME_EMAIL_ENV, apr1, DASHBOARD_USERS_ENV, defineTopology, generateCompose, type TopologyInput } from '../../../compose/index.js';
import { loadStaticConfig } from '../../../operator/static-config/load-static-config.js';

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
    assert.equal(actual, generateCompose(defineTopology(input)), `${file} is stale: regenerate with \`${command} -o ${file} --force\``);
  }
});

/** The shipped prod file's pe-edge command, with the seed traefik.yml of the repository in place of the mounted one. */
async function shippedEdgeCommand(): Promise<string[]> {
  const doc = parse(await readFile(join(ROOT, 'docker-compose.prod.yml'), 'utf8')) as { services: Record<string, { command: string[] }> };
  return doc.services['pe-edge']?.command ?? [];
}
const withSeedConfig = (command: readonly string[]): string[] =>
  command.map((arg) => (arg === '--configFile=/etc/traefik/traefik.yml' ? `--configFile=${join(ROOT, 'traefik.yml')}` : arg));

test('the seed traefik.yml with the shipped command: ACME_EMAIL replaces the file\'s email; Let\'s Encrypt production, storage in the volume, HTTP-01 on web', async () => {
  // What compose does with `${ACME_EMAIL:?...}` when the variable is set.
  const argv = withSeedConfig((await shippedEdgeCommand()).map((arg) => arg.replace(/\$\{ACME_EMAIL:\?[^}]*\}/, 'ops@example.org')));
  const loaded = await loadStaticConfig(argv);
  assert.deepEqual(loaded.errors, []);
  const acme = loaded.config.certificatesResolvers?.['letsencrypt']?.acme;
  assert.ok(acme);
  assert.equal(acme.email, 'ops@example.org', 'the flag layers on top of traefik.yml');
  assert.equal(acme.storage, '/letsencrypt/acme.json');
  assert.deepEqual(acme.httpChallenge, { entryPoint: 'web' });
  assert.equal(acme.caServer, 'https://acme-v02.api.letsencrypt.org/directory');
  assert.equal(loaded.config.entryPoints['websecure']?.http.tls?.certResolver, 'letsencrypt');
  // Without the flag, the file's own email.
  const fileOnly = await loadStaticConfig([`--configFile=${join(ROOT, 'traefik.yml')}`]);
  assert.equal(fileOnly.config.certificatesResolvers?.['letsencrypt']?.acme?.email, 'admin@pixelated-empathy.com');
});

test('the seed traefik.yml offers Let\'s Encrypt staging as a commented caServer line', async () => {
  const text = await readFile(join(ROOT, 'traefik.yml'), 'utf8');
  assert.match(text, /^ {6}# caServer: https:\/\/acme-staging-v02\.api\.letsencrypt\.org\/directory$/m);
  assert.match(text, /staging CA first/);
  const staging = parse(text.replace('# caServer:', 'caServer:')) as unknown;
  const { config, issues } = spec.validateStaticConfig(staging);
  assert.deepEqual(issues.filter((i) => i.severity === 'error').map((i) => i.message), []);
  assert.equal(config.certificatesResolvers?.['letsencrypt']?.acme?.caServer, 'https://acme-staging-v02.api.letsencrypt.org/directory', 'uncommented, the line is in the resolver');
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
    const env = { ...process.env, [DASHBOARD_USERS_ENV]: 'admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/', [ACME_EMAIL_ENV]: 'ops@example.org' };
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
  const env: NodeJS.ProcessEnv = { ...process.env, [ACME_EMAIL_ENV]: 'ops@example.org' };
  delete env[DASHBOARD_USERS_ENV];
  const result = await run(COMPOSE_V1, ['-f', join(ROOT, 'docker-compose.prod.yml'), 'config', '-q'], env);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /set PE_EDGE_DASHBOARD_USERS/);
});

test('the shipped prod file refuses to run without ACME_EMAIL, and with it hands pe-edge the address', async (t) => {
  if (!(await composeAvailable())) {
    t.skip(`${COMPOSE_V1} not found`);
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, [DASHBOARD_USERS_ENV]: 'admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/' };
  delete env[ACME_EMAIL_ENV];
  const file = join(ROOT, 'docker-compose.prod.yml');
  const refused = await run(COMPOSE_V1, ['-f', file, 'config', '-q'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /set ACME_EMAIL to the address Let's Encrypt should write to/);

  const config = await new Promise<string>((done, fail) => {
    execFile(COMPOSE_V1, ['-f', file, 'config'], { env: { ...env, [ACME_EMAIL_ENV]: 'ops@example.org' } }, (err, stdout, stderr) => (err === null ? done(stdout) : fail(new Error(stderr))));
  });
  const command = (parse(config) as { services: Record<string, { command: string[] }> }).services['pe-edge']?.command ?? [];
  assert.deepEqual(command, ['--configFile=/etc/traefik/traefik.yml', '--certificatesResolvers.letsencrypt.acme.email=ops@example.org']);
  const loaded = await loadStaticConfig(withSeedConfig(command));
  assert.equal(loaded.config.certificatesResolvers?.['letsencrypt']?.acme?.email, 'ops@example.org');
});
