// The shipped stack file is the generator's output, its static and dynamic files are valid and match the seed's, and
// the docker CLI's own stack loader (`docker stack config`, no swarm needed) accepts what we generate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as spec from '../../../labels-spec/index.js';
import {
  ACME_EMAIL_ENV,
  apr1,
  DASHBOARD_USERS_ENV,
  defineStackOptions,
  defineTopology,
  generateStack,
  type TopologyInput,
} from '../../../compose/index.js';
import { loadStaticConfig } from '../../../operator/static-config/load-static-config.js';

// dist/test/unit/compose -> repository root
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const fromEnv = { usersFromEnv: DASHBOARD_USERS_ENV } as const;
const USERS = 'admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';

test('shipped docker-compose.swarm.yml is what `pe-edge compose generate --swarm --dashboard-from-env` produces', async () => {
  const actual = await readFile(join(ROOT, 'docker-compose.swarm.yml'), 'utf8');
  const expected = generateStack(defineTopology({ dashboard: fromEnv }), defineStackOptions({}));
  assert.equal(actual, expected, 'docker-compose.swarm.yml is stale: regenerate with `pe-edge compose generate --swarm --dashboard-from-env -o docker-compose.swarm.yml --force`');
});

test('examples/swarm/traefik.yml is the seed traefik.yml with providers.swarm in place of providers.docker', async () => {
  const seed = parse(await readFile(join(ROOT, 'traefik.yml'), 'utf8')) as Record<string, unknown> & { providers: Record<string, Record<string, unknown>> };
  const swarm = parse(await readFile(join(ROOT, 'examples/swarm/traefik.yml'), 'utf8')) as typeof seed;
  const { issues } = spec.validateStaticConfig(swarm);
  assert.deepEqual(issues.filter((i) => i.severity === 'error').map((i) => i.message), []);
  const { docker, file, ...otherSeedProviders } = seed.providers;
  assert.deepEqual(otherSeedProviders, {});
  assert.deepEqual(swarm.providers['swarm'], { ...docker }, 'endpoint, exposedByDefault and network as the Docker provider had them');
  // The Swarm config never changes, so there is nothing to watch.
  assert.deepEqual(swarm.providers['file'], { filename: file?.['filename'] });
  const rest = (doc: typeof seed): Record<string, unknown> => Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'providers'));
  assert.deepEqual(rest(swarm), rest(seed), 'entrypoints, ACME, metrics, logs: the seed\'s');
});

test('the swarm static config with the stack\'s command: ACME_EMAIL replaces the file\'s email, storage on the volume', async () => {
  const stack = parse(await readFile(join(ROOT, 'docker-compose.swarm.yml'), 'utf8')) as { services: Record<string, { command: string[] }> };
  const argv = (stack.services['pe-edge']?.command ?? []).map((arg) => arg
    .replace('--configFile=/etc/traefik/traefik.yml', `--configFile=${join(ROOT, 'examples/swarm/traefik.yml')}`)
    .replace(/\$\{ACME_EMAIL:\?[^}]*\}/, 'ops@example.org'));
  const loaded = await loadStaticConfig(argv);
  assert.deepEqual(loaded.errors, []);
  const acme = loaded.config.certificatesResolvers?.['letsencrypt']?.acme;
  assert.equal(acme?.email, 'ops@example.org');
  assert.equal(acme?.storage, '/letsencrypt/acme.json');
});

test('examples/swarm/dynamic.yml: the seed\'s middlewares and TLS options, valid, without the seed\'s app1..app3 service', async () => {
  const seed = parse(await readFile(join(ROOT, 'dynamic.yml'), 'utf8')) as { http: Record<string, unknown>; tls: unknown };
  const swarm = parse(await readFile(join(ROOT, 'examples/swarm/dynamic.yml'), 'utf8')) as typeof seed;
  const { issues } = spec.validateDynamicConfig(swarm);
  assert.deepEqual(issues.map((i) => `${i.severity}: ${i.message}`), []);
  assert.deepEqual(swarm.http['middlewares'], seed.http['middlewares']);
  assert.deepEqual(swarm.tls, seed.tls);
  assert.deepEqual(Object.keys(swarm.http), ['middlewares'], 'routers are the app service\'s labels on Swarm');
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

/**
 * `docker stack config` (docker CLI 23+): the stack loader of `docker stack deploy`, without a swarm or an engine.
 * An older CLI (Debian's 20.10) prints `docker stack`'s usage for it, and exits 0.
 */
async function stackConfigAvailable(): Promise<boolean> {
  const help = await run('docker', ['stack', 'config', '--help'], process.env);
  return help.code === 0 && help.stdout.includes('--compose-file');
}

const COMPOSE_V1 = '/usr/bin/docker-compose';

async function skipWithoutStackConfig(t: { skip: (why: string) => void }): Promise<boolean> {
  if (await stackConfigAvailable()) return false;
  process.stderr.write('\n*** SKIPPING a docker stack config test: this docker CLI has no `stack config` (docker-compose v1 checked the schema instead) ***\n\n');
  t.skip('docker stack config not available');
  return true;
}

interface LoadedStack {
  services: Record<string, { command?: string[]; deploy: { labels: Record<string, string>; replicas: number } }>;
  configs: Record<string, { name: string; file: string }>;
}

const variants: [string, TopologyInput, number][] = [
  ['inline hash', { dashboard: { user: 'admin', passwordHash: apr1('test', 'H6uskkkW') } }, 2],
  ['from env', { dashboard: fromEnv }, 2],
  ['5 app tasks, 3 edges, other domain/port/network', { dashboard: fromEnv, replicas: 5, domain: 'example.org', appPort: 8080, network: 'edge-net' }, 3],
];

test('`docker stack config` accepts every generated variant and resolves labels, variables and config files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pe-edge-stack-'));
  const env: NodeJS.ProcessEnv = { ...process.env, [DASHBOARD_USERS_ENV]: USERS, [ACME_EMAIL_ENV]: 'ops@example.org' };
  delete env['PE_EDGE_CONFIG_VERSION'];
  try {
    if (!(await stackConfigAvailable())) {
      // The compose specification's schema for file format 3.8 (deploy.*, configs), as docker-compose v1 checks it.
      if ((await run(COMPOSE_V1, ['version'], process.env)).code !== 0) {
        if (process.env['CI']) assert.fail(`neither \`docker stack config\` nor ${COMPOSE_V1} is available and CI is set`);
        t.skip('neither docker stack config nor docker-compose v1');
        return;
      }
      process.stderr.write('\n*** docker stack config unavailable: checking the stack files with docker-compose v1 `config -q` (schema only) ***\n\n');
      for (const [name, input, edgeReplicas] of variants) {
        const file = join(dir, 'stack.yml');
        await writeFile(file, generateStack(defineTopology(input), defineStackOptions({ edgeReplicas })));
        const result = await run(COMPOSE_V1, ['-f', file, 'config', '-q'], env);
        assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      }
      return;
    }
    for (const [name, input, edgeReplicas] of variants) {
      const file = join(dir, 'stack.yml');
      await writeFile(file, generateStack(defineTopology(input), defineStackOptions({ edgeReplicas })));
      const result = await run('docker', ['stack', 'config', '-c', file], env);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      const loaded = parse(result.stdout) as LoadedStack;
      const users = loaded.services['pe-edge']?.deploy.labels['traefik.http.middlewares.dashboard-auth.basicauth.users'];
      assert.equal(users, USERS, `${name}: the service label Swarm stores is the plain htpasswd line`);
      assert.deepEqual(loaded.services['pe-edge']?.command?.[1], '--certificatesResolvers.letsencrypt.acme.email=ops@example.org');
      assert.equal(loaded.services['pe-edge']?.deploy.replicas, edgeReplicas);
      assert.equal(loaded.services['app']?.deploy.replicas, input.replicas ?? 3);
      assert.equal(loaded.configs['traefik-yml']?.name, 'pe-edge-traefik-yml-1');
      assert.equal(loaded.configs['traefik-yml']?.file, join(dir, 'examples/swarm/traefik.yml'), 'relative to the stack file');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the shipped stack file refuses to load without PE_EDGE_DASHBOARD_USERS or ACME_EMAIL; PE_EDGE_CONFIG_VERSION renames the configs', async (t) => {
  if (await skipWithoutStackConfig(t)) return;
  const file = join(ROOT, 'docker-compose.swarm.yml');
  const full: NodeJS.ProcessEnv = { ...process.env, [DASHBOARD_USERS_ENV]: USERS, [ACME_EMAIL_ENV]: 'ops@example.org' };
  for (const missing of [DASHBOARD_USERS_ENV, ACME_EMAIL_ENV]) {
    const env = { ...full };
    delete env[missing];
    const result = await run('docker', ['stack', 'config', '-c', file], env);
    assert.notEqual(result.code, 0, missing);
    assert.match(result.stderr, new RegExp(`required variable ${missing} is missing a value: set ${missing}`));
  }
  const versioned = await run('docker', ['stack', 'config', '-c', file], { ...full, PE_EDGE_CONFIG_VERSION: 'a1b2c3d' });
  assert.equal(versioned.code, 0, versioned.stderr);
  const configs = (parse(versioned.stdout) as LoadedStack).configs;
  assert.deepEqual([configs['traefik-yml']?.name, configs['dynamic-yml']?.name], ['pe-edge-traefik-yml-a1b2c3d', 'pe-edge-dynamic-yml-a1b2c3d']);
});

test('a stack file copied next to the repository\'s examples/swarm files finds them (the configs Swarm uploads)', async (t) => {
  if (await skipWithoutStackConfig(t)) return;
  const dir = await mkdtemp(join(tmpdir(), 'pe-edge-stack-'));
  try {
    await mkdir(join(dir, 'examples/swarm'), { recursive: true });
    for (const f of ['docker-compose.swarm.yml', 'examples/swarm/traefik.yml', 'examples/swarm/dynamic.yml']) await copyFile(join(ROOT, f), join(dir, f));
    const result = await run('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.swarm.yml')], { ...process.env, [DASHBOARD_USERS_ENV]: USERS, [ACME_EMAIL_ENV]: 'x@example.org' });
    assert.equal(result.code, 0, result.stderr);
    for (const config of Object.values((parse(result.stdout) as LoadedStack).configs)) {
      assert.ok((await readFile(config.file, 'utf8')).length > 0, config.file);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
