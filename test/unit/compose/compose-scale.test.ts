// `pe-edge compose scale`: `app=6` scales the app1..appN pool, `app1=3` one service, and the counts are written into
// the compose file (deploy.replicas) so a later `up` does not scale back. Compose itself is a fake here;
// test/e2e/compose-scale.test.ts runs the real one.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeCommand } from '../../../operator/cli/compose-command.js';
import { DASHBOARD_USERS_ENV, defineTopology, generateCompose } from '../../../compose/index.js';

interface Run {
  code: number;
  err: string;
  calls: { file: string; project?: string; command: string; args: readonly string[] }[];
}

async function scale(argv: string[], exitCode = 0): Promise<Run> {
  const r: Run = { code: -1, err: '', calls: [] };
  r.code = await composeCommand(['scale', ...argv], {
    stdout: () => undefined,
    stderr: (t) => void (r.err += t),
    env: {},
    runner: () => Promise.resolve(async (project, command, args) => {
      r.calls.push({ ...project, command, args });
      return exitCode;
    }),
  });
  return r;
}

/** A generated production file (app1..app3) in a temp folder, removed after the test. */
function composeFile(t: TestContext, text = generateCompose(defineTopology({ dashboard: { usersFromEnv: DASHBOARD_USERS_ENV } }))): string {
  const dir = mkdtempSync(join(tmpdir(), 'pe-scale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'docker-compose.prod.yml');
  writeFileSync(file, text);
  return file;
}

function replicas(file: string): Record<string, unknown> {
  const doc = parse(readFileSync(file, 'utf8')) as { services: Record<string, { deploy?: { replicas?: number }; scale?: number }> };
  return Object.fromEntries(Object.entries(doc.services).map(([name, s]) => [name, s.deploy?.replicas ?? s.scale]));
}

test('scale app=6 spreads six containers over app1..app3 and writes only their deploy.replicas lines', async (t) => {
  const file = composeFile(t);
  const before = readFileSync(file, 'utf8');
  const r = await scale(['app=6', '-f', file, '-p', 'pe']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.calls, [{
    file,
    project: 'pe',
    command: 'up',
    args: ['-d', '--no-recreate', '--scale', 'app1=2', '--scale', 'app2=2', '--scale', 'app3=2', 'app1', 'app2', 'app3'],
  }]);
  assert.deepEqual(replicas(file), { 'pe-edge': undefined, app1: 2, app2: 2, app3: 2, prometheus: undefined });
  const after = readFileSync(file, 'utf8');
  assert.equal(after.replaceAll('replicas: 2', 'replicas: 1'), before, 'comments, quoting and everything else kept');
  assert.match(r.err, /pool app: 6 containers \(app1=2 app2=2 app3=2\), kept as deploy\.replicas for every later `up`/);
});

test('scale app=N below the pool size leaves the last services at 0; app=7 gives app1 the extra one', async (t) => {
  const file = composeFile(t);
  assert.equal((await scale(['app=2', '-f', file])).code, 0);
  assert.deepEqual(replicas(file), { 'pe-edge': undefined, app1: 1, app2: 1, app3: 0, prometheus: undefined });
  const r = await scale(['app=7', '-f', file]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.calls[0]?.args, ['-d', '--no-recreate', '--scale', 'app1=3', '--scale', 'app2=2', '--scale', 'app3=2', 'app1', 'app2', 'app3']);
  assert.deepEqual(replicas(file), { 'pe-edge': undefined, app1: 3, app2: 2, app3: 2, prometheus: undefined });
});

test('scale app1=3 scales that service alone and remembers it', async (t) => {
  const file = composeFile(t);
  const r = await scale(['app1=3', '--file', file]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.calls, [{ file, command: 'up', args: ['-d', '--no-recreate', '--scale', 'app1=3', 'app1'] }]);
  assert.deepEqual(replicas(file), { 'pe-edge': undefined, app1: 3, app2: 1, app3: 1, prometheus: undefined });
});

test('a hand-written file: list labels form the pool, an existing `scale:` key is updated with deploy.replicas', async (t) => {
  const file = composeFile(t, [
    'services:',
    '  web-a:',
    '    image: my/app',
    '    scale: 1',
    '    labels:',
    '      - traefik.http.services.web.loadbalancer.server.port=80',
    '  web-b:',
    '    image: my/app',
    '    labels:',
    '      - traefik.http.services.web.loadbalancer.server.port=80',
    '',
  ].join('\n'));
  const r = await scale(['web=5', '-f', file]);
  assert.equal(r.code, 0, r.err);
  const doc = parse(readFileSync(file, 'utf8')) as { services: Record<string, { scale?: number; deploy?: { replicas: number } }> };
  assert.deepEqual(doc.services['web-a'], { ...doc.services['web-a'], scale: 3, deploy: { replicas: 3 } });
  assert.equal(doc.services['web-b']?.deploy?.replicas, 2);
  assert.equal(doc.services['web-b']?.scale, undefined);
});

test('scale errors name the file, the services and the pools, and change nothing', async (t) => {
  const file = composeFile(t);
  const before = readFileSync(file, 'utf8');
  const table: [string[], RegExp][] = [
    [['ap=3', '-f', file], /"ap" is neither a service of .*docker-compose\.prod\.yml \(pe-edge, app1, app2, app3, prometheus\) nor a pool of them \(app\); did you mean "app"\?/],
    [['app=x', '-f', file], /expected one <service>=<n>, e.g. app=6 \(the app pool\) or app1=2; got "app=x"/],
    [['app=2', 'app1=1', '-f', file], /expected one <service>=<n>/],
    [['app=2', '-f', join(file, '..', 'nope.yml')], /nope\.yml does not exist; -f\/--file names the compose file \(default docker-compose\.prod\.yml\)/],
  ];
  for (const [argv, message] of table) {
    const r = await scale(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message, argv.join(' '));
    assert.deepEqual(r.calls, []);
  }
  const notCompose = composeFile(t, 'just: text\n');
  assert.match((await scale(['app=2', '-f', notCompose])).err, /no `services:` mapping; is it a compose file\?/);
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('when Compose fails, the file keeps the new counts and the message says `up` applies them', async (t) => {
  const file = composeFile(t);
  const r = await scale(['app=4', '-f', file], 1);
  assert.equal(r.code, 1);
  assert.match(r.err, /Compose exited 1; .* already asks for app1=2 app2=1 app3=1: `pe-edge compose up` applies it/);
  assert.deepEqual(replicas(file), { 'pe-edge': undefined, app1: 2, app2: 1, app3: 1, prometheus: undefined });
});

test('a deploy scale cannot edit without changing its meaning is refused, the file untouched; labels through an anchor count', async (t) => {
  const merged = [
    'x-app: &app',
    '  image: whoami',
    '  deploy: {resources: {limits: {memory: 256M}}}',
    '  labels:',
    '    traefik.http.services.app.loadbalancer.server.port: "80"',
    'services:',
    '  app1:',
    '    <<: *app',
    '',
  ].join('\n');
  const cases: [text: string, arg: string, message: RegExp][] = [
    [merged, 'app1=4', /service app1 takes its keys from a YAML merge \(<<\): writing deploy\.replicas there would replace a merged deploy whole/],
    [merged, 'app=4', /YAML merge/],
    ['x: &d {replicas: 1}\nservices:\n  a:\n    deploy: *d\n  b:\n    deploy: *d\n', 'a=2', /its deploy is an alias \(\*d\) shared with other services/],
    ['services:\n  a:\n    deploy: {mode: global}\n', 'a=2', /deploy\.mode is global/],
    ['services:\n  a:\n    image: x\n', 'a=1001', /a=1001: at most 1000 containers/],
    ['services:\n  a:\n    image: x\n', 'a=99999999999999999999999999999', /at most 1000 containers/],
  ];
  for (const [text, arg, message] of cases) {
    const file = composeFile(t, text);
    const r = await scale([arg, '-f', file]);
    assert.equal(r.code, 2, arg);
    assert.match(r.err, message, arg);
    assert.equal(readFileSync(file, 'utf8'), text, 'untouched');
    assert.equal(r.calls.length, 0);
  }
});

test('scale keeps CRLF line endings and the file mode; an empty deploy gets replicas', async (t) => {
  const { chmodSync, statSync } = await import('node:fs');
  const file = composeFile(t, 'services:\r\n  a:\r\n    image: x # pinned\r\n    deploy:\r\n  b:\r\n    image: y\r\n');
  chmodSync(file, 0o640);
  assert.equal((await scale(['a=3', '-f', file])).code, 0);
  const text = readFileSync(file, 'utf8');
  assert.ok(!/[^\r]\n/.test(text), JSON.stringify(text));
  assert.equal(replicas(file)['a'], 3);
  assert.match(text, /image: x # pinned/);
  assert.equal(statSync(file).mode & 0o777, 0o640);
});

test('a symlinked compose file stays a link; its target gets the counts', async (t) => {
  const { symlinkSync, lstatSync } = await import('node:fs');
  const target = composeFile(t, 'services:\n  a:\n    image: x\n');
  const link = join(tmpdir(), `pe-scale-link-${process.pid}.yml`);
  symlinkSync(target, link);
  t.after(() => rmSync(link, { force: true }));
  assert.equal((await scale(['a=2', '-f', link])).code, 0);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(replicas(target)['a'], 2);
});
