// The Swarm provider against the real engine in swarm mode: services' labels (Spec.Labels) become routers and
// services named @swarm, with one server per running task on the overlay network; events, not the periodic
// refresh, follow scaling; a stopping task leaves on its container's kill event; label typos are reported by name.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { swarmProviderSchema, type DynamicConfig } from '../../../labels-spec/index.js';
import type { DockerSnapshot } from '../../../operator/providers/docker/docker-provider.js';
import { SwarmProvider } from '../../../operator/providers/swarm/swarm-provider.js';
import { docker, ensureImages, IMAGES, newTestId, requireDocker, waitFor } from '../../e2e/support/docker-env.js';
import { ensureSwarm, leaveSwarmIfOurs, swarmScope, taskAddresses, waitForRunning } from '../../e2e/support/swarm-env.js';

after(leaveSwarmIfOurs);

interface Follower {
  snapshots: DockerSnapshot[];
  logs: { level: string; msg: string }[];
  last(): DockerSnapshot | undefined;
  stop(): void;
}

async function follow(options: Record<string, unknown>): Promise<Follower> {
  const stop = new AbortController();
  const snapshots: DockerSnapshot[] = [];
  const logs: { level: string; msg: string }[] = [];
  const provider = new SwarmProvider(swarmProviderSchema.parse(options), (s) => snapshots.push(s), {
    info: (msg) => logs.push({ level: 'info', msg }),
    warn: (msg) => logs.push({ level: 'warn', msg }),
    error: (msg) => logs.push({ level: 'error', msg }),
  }, stop.signal);
  await provider.start();
  return { snapshots, logs, last: () => snapshots.at(-1), stop: () => stop.abort() };
}

function serverUrls(config: DynamicConfig | undefined, service: string): string[] {
  const s = config?.http.services[service];
  return s !== undefined && 'loadBalancer' in s ? s.loadBalancer.servers.map((x) => x.url).sort() : [];
}

async function setUp(t: TestContext): Promise<{ id: string; net: string; scope: ReturnType<typeof swarmScope> } | null> {
  if (!(await requireDocker(t))) return null;
  await ensureImages();
  await ensureSwarm();
  const id = newTestId();
  const scope = swarmScope(t, id);
  const net = await scope.network('net');
  return { id, net, scope };
}

test('services become @swarm routers with one server per running task; scaling follows events; a stopping task leaves on its kill event', { timeout: 300_000 }, async (t) => {
  const env = await setUp(t);
  if (env === null) return;
  const { id, net, scope } = env;
  const app = await scope.service('app', {
    image: IMAGES.whoami,
    replicas: 2,
    networks: [net],
    labels: {
      'traefik.http.routers.web.rule': 'Host(`app.test`)',
      'traefik.http.services.web.loadbalancer.server.port': '80',
      'pe-edge.test.run': id,
    },
  });
  // A long refresh: anything seen within it was driven by events.
  const edge = await follow({ network: net, refreshSeconds: '10m', constraints: `Label(\`pe-edge.test.run\`, \`${id}\`)` });
  t.after(() => edge.stop());
  const addresses = await taskAddresses(app, net);
  assert.equal(addresses.length, 2);
  assert.deepEqual(serverUrls(edge.last()?.config, 'web'), addresses.map((a) => `http://${a}:80`).sort());
  assert.equal(edge.last()?.config.http.routers['web']?.rule, 'Host(`app.test`)');
  assert.equal(edge.last()?.config.http.routers['web']?.service, 'web');

  await docker(['service', 'scale', '--detach', `${app}=3`]);
  await waitFor('3 servers after scale up', () => serverUrls(edge.last()?.config, 'web').length === 3 || undefined, { timeoutMs: 60_000 });
  assert.deepEqual(serverUrls(edge.last()?.config, 'web'), (await taskAddresses(app, net)).map((a) => `http://${a}:80`).sort());

  const before = edge.snapshots.length;
  await docker(['service', 'scale', '--detach', `${app}=1`]);
  await waitFor('1 server after scale down', () => serverUrls(edge.last()?.config, 'web').length === 1 || undefined, { timeoutMs: 60_000 });
  // The tasks left before their containers stopped: on the service's update event (Swarm already lists them as
  // shutting down) or their container's kill, never on a die/stop or the periodic refresh.
  const firstDrop = edge.snapshots.slice(before).find((s) => serverUrls(s.config, 'web').length < 3);
  assert.ok(['update', 'kill'].includes(firstDrop?.cause?.action ?? ''), `first drop caused by ${JSON.stringify(firstDrop?.cause)}`);
  await waitForRunning(app, 1);
  const [left] = await taskAddresses(app, net);
  assert.deepEqual(serverUrls(edge.last()?.config, 'web'), [`http://${left ?? ''}:80`]);

  // A task whose container is stopped behind Swarm's back leaves on the kill event; its replacement joins.
  const task = await docker(['service', 'ps', app, '--filter', 'desired-state=running', '--quiet', '--no-trunc']);
  const container = await docker(['ps', '--quiet', '--filter', `label=com.docker.swarm.task.id=${task}`]);
  const beforeStop = edge.snapshots.length;
  await docker(['stop', '--time', '5', container]);
  const drop = edge.snapshots.slice(beforeStop).find((s) => serverUrls(s.config, 'web').length === 0);
  assert.equal(drop?.cause?.action, 'kill', `drop caused by ${JSON.stringify(drop?.cause)}`);
  await waitFor('the replacement task', async () => {
    const now = serverUrls(edge.last()?.config, 'web');
    return (now.length === 1 && now[0] !== `http://${left ?? ''}:80`) || undefined;
  }, { timeoutMs: 90_000 });
  assert.deepEqual(serverUrls(edge.last()?.config, 'web'), (await taskAddresses(app, net)).map((a) => `http://${a}:80`).sort());
});

test('the implicit router and service are named after the Swarm service; the port label is required, as in Traefik', { timeout: 300_000 }, async (t) => {
  const env = await setUp(t);
  if (env === null) return;
  const { id, net, scope } = env;
  const named = await scope.service('named', { image: IMAGES.whoami, networks: [net], labels: { 'traefik.http.services.x.loadbalancer.server.port': '80', 'pe-edge.test.run': id } });
  const portless = await scope.service('portless', { image: IMAGES.whoami, networks: [net], labels: { 'pe-edge.test.run': id } });
  const edge = await follow({ network: net, constraints: `Label(\`pe-edge.test.run\`, \`${id}\`)` });
  t.after(() => edge.stop());
  const snapshot = edge.last();
  const name = named.replaceAll('_', '-');
  assert.equal(snapshot?.config.http.routers[name]?.rule, `Host(\`${name}\`)`);
  assert.equal(snapshot?.config.http.routers[name]?.service, 'x');
  const skipped = snapshot?.containers.find((r) => r.container.swarmService === portless);
  assert.equal(skipped?.kind, 'skipped');
  assert.match(skipped?.kind === 'skipped' ? skipped.reason : '', /port is missing/);
});

test('traefik.swarm.lbswarm=true routes to the service\'s virtual IP on traefik.swarm.network', { timeout: 300_000 }, async (t) => {
  const env = await setUp(t);
  if (env === null) return;
  const { id, net, scope } = env;
  const other = await scope.network('other');
  const app = await scope.service('vip', {
    image: IMAGES.whoami,
    replicas: 2,
    networks: [other, net],
    labels: { 'traefik.swarm.lbswarm': 'true', 'traefik.swarm.network': net, 'traefik.http.services.vip.loadbalancer.server.port': '80', 'pe-edge.test.run': id },
  });
  const edge = await follow({ constraints: `Label(\`pe-edge.test.run\`, \`${id}\`)` });
  t.after(() => edge.stop());
  const info = JSON.parse(await docker(['service', 'inspect', app])) as { Endpoint: { VirtualIPs: { NetworkID: string; Addr: string }[] } }[];
  const netId = await docker(['network', 'inspect', '--format', '{{.Id}}', net]);
  const vip = info[0]?.Endpoint.VirtualIPs.find((v) => v.NetworkID === netId)?.Addr.replace(/\/\d+$/, '');
  assert.ok(vip !== undefined);
  assert.deepEqual(serverUrls(edge.last()?.config, 'vip'), [`http://${vip}:80`]);
});

test('a typo in a service\'s labels is reported once, by label, with its suggestion; the service is left out', { timeout: 300_000 }, async (t) => {
  const env = await setUp(t);
  if (env === null) return;
  const { id, net, scope } = env;
  const app = await scope.service('typo', {
    image: IMAGES.whoami,
    replicas: 2,
    networks: [net],
    labels: { 'traefik.http.routers.typo.rulee': 'Host(`typo.test`)', 'traefik.http.services.typo.loadbalancer.server.port': '80', 'pe-edge.test.run': id },
  });
  const edge = await follow({ network: net, constraints: `Label(\`pe-edge.test.run\`, \`${id}\`)` });
  t.after(() => edge.stop());
  assert.deepEqual(edge.last()?.config.http.routers, {});
  const errors = edge.logs.filter((l) => l.level === 'error' && l.msg.includes('traefik.http.routers.typo.rulee'));
  assert.equal(errors.length, 1, JSON.stringify(edge.logs, null, 1));
  assert.match(errors[0]?.msg ?? '', new RegExp(`^Swarm service ${app}: .*did you mean "rule"`));
  assert.ok(edge.logs.some((l) => l.level === 'error' && l.msg.startsWith(`Swarm service ${app} left out`)));

  // Fixing the label (a service update event) routes it without waiting for the refresh.
  await docker(['service', 'update', '--detach', '--label-rm', 'traefik.http.routers.typo.rulee', '--label-add', 'traefik.http.routers.typo.rule=Host(`typo.test`)', app]);
  await waitFor('the fixed router', () => edge.last()?.config.http.routers['typo']?.rule === 'Host(`typo.test`)' || undefined, { timeoutMs: 90_000 });
});
