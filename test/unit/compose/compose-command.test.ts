import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { composeCommand, type ComposeCommandIo } from '../../../operator/cli/compose-command.js';
import { composeArgs, COMPOSE_V1, COMPOSE_V2, detectCompose, type ComposeProject } from '../../../compose/compose-client.js';
import { verifyApr1 } from '../../../compose/index.js';

interface Captured {
  code: number;
  out: string;
  err: string;
  calls: { project: ComposeProject; command: string; args: readonly string[] }[];
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  const c: Captured = { code: -1, out: '', err: '', calls: [] };
  const io: Partial<ComposeCommandIo> = {
    stdout: (t) => void (c.out += t),
    stderr: (t) => void (c.err += t),
    env,
    runner: () => Promise.resolve(async (project, command, args) => {
      c.calls.push({ project, command, args });
      return 0;
    }),
  };
  c.code = await composeCommand(argv, io);
  return c;
}

test('usage errors name the option and suggest the closest', async () => {
  const table: [string[], RegExp][] = [
    [['generate', '--domian', 'x.org'], /unknown option "--domian"; did you mean "--domain"\?/],
    [['generate', '--replica=2'], /unknown option "--replica"; did you mean "--replicas"\?/],
    [['generate', '--app-prot', '3000'], /did you mean "--app-port"\?/],
    [['generate', '-f', 'x.yml'], /unknown option "-f"; options are --domain/],
    [['generat'], /unknown compose command "generat"; did you mean "generate"\?/],
    [['up', '--projet-name', 'x'], /did you mean "--project-name"\?/],
    [['generate', '--replicas', 'three'], /--replicas must be a whole number, got "three"/],
    [['generate', '--domain'], /--domain needs a value/],
    [['generate', '--dev=yes'], /--dev takes no value/],
    [['generate', '--app-healthcheck', 'wgett'], /did you mean "wget"\?/],
    [['generate', '--replicas', '0'], /replicas 0 must be/],
    [['generate', '--dashboard-password-hash', 'hunter2'], /not an htpasswd hash/],
    [['generate', '--dashboard-from-env', '--dashboard-password-hash', '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'], /exclude each other/],
    [['scale', 'app1'], /expected one <service>=<n>/],
    [['ps', 'extra'], /unexpected argument "extra"/],
  ];
  for (const [argv, message] of table) {
    const r = await cli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message, argv.join(' '));
    assert.equal(r.out, '', argv.join(' '));
    assert.equal(r.calls.length, 0);
  }
});

test('generate without a hash tells a fresh password once, on stderr, and writes only its hash', async () => {
  const r = await cli(['generate', '--replicas', '2', '--domain=example.org']);
  assert.equal(r.code, 0);
  const m = /^dashboard user admin, password (\S+) — store it now; it is not saved anywhere\n$/.exec(r.err);
  assert.ok(m, r.err);
  const password = m[1] ?? '';
  assert.ok(!r.out.includes(password), 'the password itself is not in the file');
  const doc = parse(r.out) as { services: Record<string, { labels: Record<string, string> }> };
  assert.deepEqual(Object.keys(doc.services), ['pe-edge', 'app1', 'app2', 'prometheus']);
  const users = doc.services['pe-edge']?.labels['traefik.http.middlewares.dashboard-auth.basicauth.users'] ?? '';
  const hash = users.replace(/^admin:/, '').replaceAll('$$', '$');
  assert.ok(verifyApr1(password, hash), users);
  const again = await cli(['generate']);
  assert.notEqual(again.err, r.err, 'a new password each time');
});

test('generate takes the hash from the flag or PE_EDGE_DASHBOARD_HASH, and then prints no password', async () => {
  const hash = '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/';
  for (const [argv, env] of [
    [['generate', '--dashboard-password-hash', hash, '--dashboard-user', 'ops'], {}],
    [['generate', '--dashboard-user=ops'], { PE_EDGE_DASHBOARD_HASH: hash }],
  ] as [string[], NodeJS.ProcessEnv][]) {
    const r = await cli(argv, env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.ok(r.out.includes('ops:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/'));
  }
});

test('generate --dev --dashboard-from-env: no password, env reference', async () => {
  const r = await cli(['generate', '--dev', '--dashboard-from-env']);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  assert.match(r.out, /\$\{PE_EDGE_DASHBOARD_USERS:\?/);
  assert.match(r.out, /127\.0\.0\.1:8080:80/);
});

test('password prints an env assignment on stdout and the password on stderr', async () => {
  const r = await cli(['password', '--dashboard-user', 'ops']);
  assert.equal(r.code, 0);
  const line = /^PE_EDGE_DASHBOARD_USERS='ops:(\$apr1\$[^']+)'\n$/.exec(r.out);
  const pw = /password (\S+) —/.exec(r.err);
  assert.ok(line && pw, r.out + r.err);
  assert.ok(verifyApr1(pw[1] ?? '', line[1] ?? ''));
});

test('up, down and ps drive compose with -f/-p (scale: compose-scale.test.ts)', async () => {
  const table: [string[], ComposeProject, string, string[]][] = [
    [['up'], { file: 'docker-compose.prod.yml' }, 'up', ['-d', '--remove-orphans']],
    [['down', '-f', 'docker-compose.dev.yml', '-p', 'pe'], { file: 'docker-compose.dev.yml', project: 'pe' }, 'down', []],
    [['ps', '--file=x.yml'], { file: 'x.yml' }, 'ps', []],
  ];
  for (const [argv, project, command, args] of table) {
    const r = await cli(argv);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.calls, [{ project, command, args }], argv.join(' '));
  }
});

test('compose detection prefers v2, falls back to v1, and builds the argument list for each', async () => {
  const probe = (answers: Record<string, number>) => (command: string, args: readonly string[]) =>
    Promise.resolve(answers[[command, ...args].join(' ')] ?? -1);
  assert.equal(await detectCompose(probe({ 'docker compose version': 0, 'docker-compose version': 0 })), COMPOSE_V2);
  assert.equal(await detectCompose(probe({ 'docker compose version': 1, 'docker-compose version': 0 })), COMPOSE_V1);
  assert.equal(await detectCompose(probe({})), undefined);
  const p = { file: 'f.yml', project: 'pe' };
  assert.deepEqual(composeArgs(COMPOSE_V2, p, 'ps', []), ['compose', '-f', 'f.yml', '-p', 'pe', 'ps']);
  assert.deepEqual(composeArgs(COMPOSE_V1, { file: 'f.yml' }, 'up', ['-d']), ['-f', 'f.yml', 'up', '-d']);
});

test('down and ps run without the variables the file requires (a placeholder each); up gets the environment as it is', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pe-required-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'docker-compose.yml');
  writeFileSync(file, [
    'services:',
    '  edge:',
    '    command: ["--email=${ACME_EMAIL:?set ACME_EMAIL}"]',
    '    labels:',
    '      users: "${PE_EDGE_DASHBOARD_USERS:?set it}"',
    '      literal: "$${NOT_A_VARIABLE:?x}"',
    '      optional: "${MAYBE?x}"',
    '',
  ].join('\n'));
  const seen: (NodeJS.ProcessEnv | undefined)[] = [];
  const run = (argv: string[], env: NodeJS.ProcessEnv): Promise<number> => composeCommand(argv, {
    stdout: () => undefined,
    stderr: () => undefined,
    env,
    runner: () => Promise.resolve(async (_p, _c, _a, childEnv) => { seen.push(childEnv); return 0; }),
  });
  assert.equal(await run(['down', '-f', file], { PE_EDGE_DASHBOARD_USERS: 'admin:$apr1$x', MAYBE: '', PATH: '/bin' }), 0);
  assert.deepEqual(seen[0], { PE_EDGE_DASHBOARD_USERS: 'admin:$apr1$x', MAYBE: '', PATH: '/bin', ACME_EMAIL: 'unused-by-this-command' });
  assert.equal(await run(['ps', '-f', file], { ACME_EMAIL: '' }), 0);
  assert.deepEqual(seen[1], { ACME_EMAIL: 'unused-by-this-command', PE_EDGE_DASHBOARD_USERS: 'unused-by-this-command', MAYBE: 'unused-by-this-command' });
  assert.equal(await run(['up', '-f', file], {}), 0);
  assert.equal(seen[2], undefined, 'up interpolates with the real environment: Compose refuses to start without the values');
});

test('generate --swarm: the stack file on stdout, --edge-replicas, and what it refuses', async () => {
  const r = await cli(['generate', '--swarm', '--edge-replicas', '3', '--replicas', '4', '--dashboard-from-env']);
  assert.equal(r.code, 0, r.err);
  const doc = parse(r.out) as { services: Record<string, { deploy: { replicas: number; labels: Record<string, string> } }> };
  assert.deepEqual(Object.keys(doc.services), ['pe-edge', 'app']);
  assert.equal(doc.services['pe-edge']?.deploy.replicas, 3);
  assert.equal(doc.services['app']?.deploy.replicas, 4);
  assert.match(r.out, /^# Generated by: pe-edge compose generate --swarm --edge-replicas 3 --replicas 4 --dashboard-from-env$/m);

  const refused: [string[], RegExp][] = [
    [['generate', '--swarm', '--dev'], /--swarm has no --dev variant/],
    [['generate', '--edge-replicas', '3'], /--edge-replicas only applies with --swarm/],
    [['generate', '--swarm', '--edge-replicas', '0'], /edgeReplicas 0 must be an integer 1-99/],
    [['generate', '--swarn'], /did you mean "--swarm"\?/],
  ];
  for (const [argv, message] of refused) {
    const bad = await cli(argv);
    assert.equal(bad.code, 2, argv.join(' '));
    assert.match(bad.err, message);
    assert.equal(bad.out, '');
  }
});
