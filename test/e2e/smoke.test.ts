// Proves the end-to-end environment itself: the local images build, the host reaches containers
// on their bridge addresses, the pe-edge image runs with a mounted traefik.yml and turns healthy
// through its own HEALTHCHECK (`pe-edge healthcheck`), Docker health follows whoami's /health, a
// compose project scales, and leftovers of a dead test process are removed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { IMAGE_NODE_FLAGS } from '../../operator/workers/young-generation.js';
import {
  IMAGES,
  OWNER_LABEL,
  TEST_LABEL,
  docker,
  dockerRun,
  dockerScope,
  ensureImages,
  httpGet,
  removeLeftovers,
  requireDocker,
  waitFor,
} from './support/docker-env.js';

test('the local images build and carry their settings', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  for (const image of Object.values(IMAGES)) {
    assert.notEqual(await docker(['image', 'inspect', '--format', '{{.Id}}', image]), '', image);
  }
  const edge = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config}}', IMAGES.edge])) as {
    User: string;
    Env: string[];
    Entrypoint: string[];
    Cmd?: string[] | null;
    ExposedPorts: Record<string, unknown>;
    Healthcheck: { Test: string[] };
  };
  // Started as root only to join the Docker socket's group, then PE_EDGE_USER (the sidecar test reads the running uid).
  assert.equal(edge.User ?? '', '');
  assert.ok(edge.Env.includes('PE_EDGE_USER=node'), edge.Env.join(' '));
  // node with V8's young generation sized for a proxy, and without Maglev (operator/workers/young-generation.ts).
  assert.deepEqual(edge.Entrypoint, ['node', ...IMAGE_NODE_FLAGS, '/app/dist/operator/cli/main.js']);
  // Traefik's search path (/etc/traefik/traefik.yml), else TRAEFIK_* variables: no --configFile baked in.
  assert.deepEqual(edge.Cmd ?? [], []);
  assert.deepEqual(Object.keys(edge.ExposedPorts).sort(), ['443/tcp', '80/tcp', '8082/tcp']);
  assert.deepEqual(edge.Healthcheck.Test, ['CMD', 'node', '/app/dist/operator/cli/main.js', 'healthcheck']);
});

test('a whoami container answers on its bridge address from the host', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const c = await scope.run({ image: IMAGES.whoami, env: { WHOAMI_NAME: 'smoke-a' }, hostname: 'whoami-a' });
  const ip = await c.ip();
  const res = await waitFor('whoami to answer', () => httpGet(`http://${ip}/some/path?x=1`, { headers: { 'X-Forwarded-Proto': 'https' } }), {
    timeoutMs: 20_000,
  });
  assert.equal(res.status, 200);
  assert.match(res.body, /^Name: smoke-a$/m);
  assert.match(res.body, /^Hostname: whoami-a$/m);
  assert.match(res.body, /^GET \/some\/path\?x=1 HTTP\/1\.1$/m);
  assert.match(res.body, /^X-Forwarded-Proto: https$/m);
  const api = JSON.parse((await httpGet(`http://${ip}/api`)).body) as { name: string; hostname: string; ip: string[] };
  assert.equal(api.name, 'smoke-a');
  assert.deepEqual(api.ip, [ip]);
});

test('pe-edge:local runs with a mounted traefik.yml, turns healthy, and routes to a whoami container', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const backend = await scope.run({ image: IMAGES.whoami, env: { WHOAMI_NAME: 'behind-edge' } });
  const backendIp = await backend.ip();
  scope.writeFile(
    'traefik.yml',
    [
      'entryPoints:',
      '  web:',
      '    address: ":80"',
      '  ping:',
      '    address: ":8082"',
      'ping:',
      '  entryPoint: ping',
      'providers:',
      '  file:',
      '    filename: /etc/traefik/dynamic.yml',
      'log:',
      '  level: INFO',
      '  format: json',
      '',
    ].join('\n'),
  );
  scope.writeFile(
    'dynamic.yml',
    [
      'http:',
      '  routers:',
      '    whoami:',
      '      rule: Host(`whoami.test`)',
      '      entryPoints: [web]',
      '      service: whoami',
      '  services:',
      '    whoami:',
      '      loadBalancer:',
      '        servers:',
      `          - url: http://${backendIp}:80`,
      '',
    ].join('\n'),
  );
  const edge = await scope.run({
    image: IMAGES.edge,
    volumes: [`${scope.dir}:/etc/traefik:ro`],
    publish: ['127.0.0.1::80', '127.0.0.1::8082'],
  });
  // Docker runs the image's HEALTHCHECK (pe-edge healthcheck) every 10 s: healthy after the first.
  await edge.waitHealth('healthy', 45_000);
  const ping = await edge.hostPort(8082);
  const pong = await httpGet(`http://${ping.host}:${ping.port}/ping`);
  assert.equal(pong.status, 200);
  assert.equal(pong.body, 'OK');
  const web = await edge.hostPort(80);
  const res = await waitFor('the whoami route', async () => {
    const r = await httpGet(`http://${web.host}:${web.port}/via-edge`, { headers: { Host: 'whoami.test' } });
    return r.status === 200 ? r : undefined;
  }, { timeoutMs: 10_000 });
  assert.match(res.body, /^Name: behind-edge$/m);
  assert.match(res.body, /^GET \/via-edge HTTP\/1\.1$/m);
  assert.match(res.body, /^X-Forwarded-Host: whoami\.test$/m);
  assert.match(res.body, /^X-Forwarded-For: \S+$/m);
  const logs = await edge.logs();
  assert.match(logs, /pe-edge starting/);
});

test('the edge image configured by TRAEFIK_* environment variables alone (no traefik.yml): it serves and its HEALTHCHECK passes', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const edge = await scope.run({
    image: IMAGES.edge,
    env: { TRAEFIK_ENTRYPOINTS_WEB_ADDRESS: ':80', TRAEFIK_ENTRYPOINTS_TRAEFIK_ADDRESS: ':8082', TRAEFIK_PING: 'true', TRAEFIK_PING_ENTRYPOINT: 'traefik' },
    publish: ['127.0.0.1::8082'],
  });
  await edge.waitHealth('healthy', 45_000);
  const ping = await edge.hostPort(8082);
  const pong = await httpGet(`http://${ping.host}:${ping.port}/ping`);
  assert.equal(pong.status, 200);
  assert.equal(pong.body, 'OK');
});

test('whoami-hc turns healthy, unhealthy after /health/fail, healthy again after /health/ok', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const c = await scope.run({ image: IMAGES.whoamiHc });
  await c.waitHealth('healthy', 20_000);
  const ip = await c.ip();
  assert.equal((await httpGet(`http://${ip}/health/fail`)).status, 200);
  assert.equal((await httpGet(`http://${ip}/health`)).status, 500);
  await c.waitHealth('unhealthy', 20_000);
  await httpGet(`http://${ip}/health/ok`);
  await c.waitHealth('healthy', 20_000);
});

test('a compose project comes up, scales, and answers on every replica', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const project = scope.compose(
    'smoke',
    [
      'services:',
      '  app:',
      `    image: ${IMAGES.whoami}`,
      '    environment:',
      '      WHOAMI_NAME: app',
      '    labels:',
      '      traefik.enable: "true"',
      '',
    ].join('\n'),
  );
  await project.up();
  await project.scale('app', 2);
  const ps = await project.ps();
  assert.deepEqual(ps.map((c) => [c.service, c.number, c.state]), [['app', 1, 'running'], ['app', 2, 'running']]);
  const ips = await project.containerIps('app');
  assert.equal(ips.length, 2);
  const hostnames = new Set<string>();
  for (const ip of ips) {
    const res = await waitFor(`app at ${ip}`, () => httpGet(`http://${ip}/`), { timeoutMs: 20_000 });
    hostnames.add(/^Hostname: (.*)$/m.exec(res.body)?.[1] ?? '');
  }
  assert.equal(hostnames.size, 2);
  await project.down();
  assert.deepEqual(await project.ps(), []);
  const nets = await docker(['network', 'ls', '--format', '{{.Name}}']);
  assert.ok(!nets.split('\n').includes(`${project.name}_default`), 'the default network is gone');
});

test('removeLeftovers removes what a dead test process left and keeps a live one', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const dead = spawnSync('true').pid;
  assert.ok(dead !== undefined && dead > 0);
  const orphan = await docker([
    'create', '--label', `${TEST_LABEL}=orphan-${dead}`, '--label', `${OWNER_LABEL}=${dead}`, IMAGES.whoami,
  ]);
  const mine = await dockerRun(scope.id, { image: IMAGES.whoami });
  await removeLeftovers();
  const left = await docker(['ps', '-a', '--format', '{{.ID}}', '--no-trunc', '--filter', `label=${TEST_LABEL}`]);
  assert.ok(!left.includes(orphan), 'the dead process’s container was removed');
  assert.ok(left.includes(mine.id), 'this process’s container was kept');
});
