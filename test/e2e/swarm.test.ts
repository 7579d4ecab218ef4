// pe-edge as a replicated Swarm service (2 replicas, ports published in host mode: this kernel has no IPVS, so
// neither the routing mesh nor a service's virtual IP answers) in front of app services on an overlay network,
// on a single-node swarm. Requests rotate across the app's tasks through either replica; scaling up and down and a
// start-first rolling update under continuous load fail no request; a task made unhealthy leaves the pool; a typo in
// deploy.labels is reported by name with its suggestion (pe-edge check --swarm, and the edge's log).
//
// The edge runs this checkout's dist/ (bind-mounted into the node base image, with node_modules), so the test
// exercises the code under test without rebuilding the shared pe-edge:local image.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeStats, startLoad, type LoadStats } from '../support/load-client.js';
import { repoRoot, runCli } from '../support/cli-process.js';
import { docker, ensureImages, httpGet, IMAGES, newTestId, requireDocker, runCommand, waitFor } from './support/docker-env.js';
import { GRACEFUL_WHOAMI } from './support/graceful-whoami.js';
import { ensureSwarm, leaveSwarmIfOurs, swarmScope, waitForRunning, type SwarmScope } from './support/swarm-env.js';

const HOST = 'app.test';

interface Stack {
  scope: SwarmScope;
  id: string;
  net: string;
  app: string;
  edge: string;
  /** The edge replicas' published host ports. */
  edgeUrls: string[];
}

let stack: Stack | null = null;
let teardown: (() => Promise<void>) | null = null;

/** The running tasks' container hostnames (Swarm's default hostname is the container id's first 12 characters). */
async function taskHostnames(service: string): Promise<string[]> {
  const tasks = (await docker(['service', 'ps', service, '--filter', 'desired-state=running', '--quiet', '--no-trunc'])).split('\n').filter((l) => l !== '');
  const out: string[] = [];
  for (const task of tasks) {
    const id = await docker(['ps', '--quiet', '--filter', `label=com.docker.swarm.task.id=${task}`]);
    if (id !== '') out.push(id.slice(0, 12));
  }
  return out.sort();
}

async function edgePorts(service: string): Promise<string[]> {
  const ids = (await docker(['ps', '--quiet', '--filter', `label=com.docker.swarm.service.name=${service}`])).split('\n').filter((l) => l !== '');
  const urls: string[] = [];
  for (const id of ids) {
    const binding = (await docker(['port', id, '80/tcp'])).split('\n')[0] ?? '';
    urls.push(`http://127.0.0.1:${binding.split(':').at(-1) ?? ''}`);
  }
  return urls.sort();
}

async function hostnameVia(url: string): Promise<string | undefined> {
  const r = await httpGet(`${url}/api`, { headers: { host: HOST }, timeoutMs: 5000 });
  return r.status === 200 ? String(r.headers['x-whoami-hostname']) : undefined;
}

function hostnamesOf(stats: LoadStats): Set<string> {
  return new Set([...stats.byBody.keys()].map((b) => (JSON.parse(b) as { hostname: string }).hostname));
}

/** Load on both edge replicas at once; zero failed requests expected. */
function loadBoth(urls: readonly string[]): { stop(): Promise<LoadStats[]> } {
  // A generous time limit: on a loaded 2-core machine a request may wait seconds for CPU; a failed one is an answer
  // other than 200 or a connection error, which no time limit hides.
  const loads = urls.map((u) => startLoad(`${u}/api?stable=1`, { host: HOST, concurrency: 2, pauseMs: 5, timeoutMs: 30_000 }));
  return { stop: () => Promise.all(loads.map((l) => l.stop())) };
}

async function assertNoFailures(all: readonly LoadStats[], what: string): Promise<void> {
  for (const s of all) {
    assert.ok(s.total > 50, `${what}: too few requests to mean anything: ${describeStats(s)}`);
    if (s.ok === s.total) continue;
    // What the edge said meanwhile (errors and configuration changes), to tell a slow machine from a stale pool.
    const logs = stack === null ? '' : (await runCommand('docker', ['service', 'logs', '--raw', '--since', '5m', stack.edge], { timeoutMs: 30_000 })).stdout;
    const lines = logs.split('\n').filter((l) => /"level":"(error|warn)"|configuration applied/.test(l)).slice(-40).join('\n');
    assert.fail(`${what}: ${describeStats(s)}\nedge log:\n${lines}`);
  }
}

before(async () => {
  // requireDocker needs a test context; the suite's own check is the first test's.
  if ((await runCommand('docker', ['info'], { timeoutMs: 20_000 }).catch(() => ({ code: 1 }))).code !== 0) return;
  await ensureImages();
  await ensureSwarm();
  const id = newTestId();
  const cleanups: (() => Promise<void>)[] = [];
  const fakeT = { after: (fn: () => Promise<void>) => cleanups.push(fn) } as unknown as Parameters<typeof swarmScope>[0];
  teardown = async () => { for (const fn of cleanups.reverse()) await fn(); };
  const scope = swarmScope(fakeT, id);
  const net = await scope.network('net');
  const repo = repoRoot();
  const modules = realpathSync(join(repo, 'node_modules'));
  const mounts = [`type=bind,src=${repo},dst=${repo},readonly`, 'type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock'];
  if (!modules.startsWith(`${repo}/`)) mounts.push(`type=bind,src=${modules},dst=${modules},readonly`);
  const app = await scope.service('app', {
    image: IMAGES.whoamiHc,
    replicas: 3,
    networks: [net],
    env: { STOP_DELAY_MS: '3000' },
    // The image's 1 s healthcheck (a node process per probe) flaps on a loaded 2-core machine: probes every 2 s,
    // allowed 15 s each, 3 failures to turn unhealthy.
    flags: ['--entrypoint', 'node', '--stop-grace-period', '10s', '--update-order', 'start-first', '--update-parallelism', '1',
      '--health-interval', '2s', '--health-timeout', '15s', '--health-retries', '3', '--health-start-period', '60s'],
    args: ['-e', GRACEFUL_WHOAMI],
    labels: {
      'pe-edge.test.run': id,
      'traefik.http.routers.app.rule': `Host(\`${HOST}\`)`,
      'traefik.http.services.app.loadbalancer.server.port': '80',
    },
  });
  const edge = await scope.service('edge', {
    image: IMAGES.base,
    replicas: 2,
    networks: [net],
    publish: ['mode=host,target=80'],
    mounts,
    args: ['node', join(repo, 'dist/operator/cli/main.js'), '--entryPoints.web.address=:80', `--providers.swarm.network=${net}`,
      `--providers.swarm.constraints=Label(\`pe-edge.test.run\`, \`${id}\`)`, '--log.level=INFO'],
  });
  const edgeUrls = await edgePorts(edge);
  for (const url of edgeUrls) await waitFor(`edge ${url} routes ${HOST}`, () => hostnameVia(url), { timeoutMs: 60_000, intervalMs: 250 });
  stack = { scope, id, net, app, edge, edgeUrls };
});

after(async () => {
  await teardown?.();
  await leaveSwarmIfOurs();
});

test('requests rotate across the app\'s tasks through either pe-edge replica', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t)) || stack === null) return;
  const tasks = await taskHostnames(stack.app);
  assert.equal(tasks.length, 3);
  for (const url of stack.edgeUrls) {
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) seen.push((await hostnameVia(url)) ?? 'failed');
    assert.deepEqual([...new Set(seen)].sort(), tasks, `via ${url}: ${seen.join(' ')}`);
  }
});

test('docker service scale up and down under continuous load: zero failed requests, new tasks serve', { timeout: 240_000 }, async (t) => {
  if (!(await requireDocker(t)) || stack === null) return;
  const { app, edgeUrls } = stack;
  const load = loadBoth(edgeUrls);
  await docker(['service', 'scale', '--detach', `${app}=5`]);
  await waitForRunning(app, 5);
  const five = await taskHostnames(app);
  await waitFor('every edge reaching all 5 tasks', async () => {
    for (const url of edgeUrls) {
      const seen = new Set<string>();
      for (let i = 0; i < 15; i++) seen.add((await hostnameVia(url)) ?? '');
      if (five.some((h) => !seen.has(h))) return undefined;
    }
    return true;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  await docker(['service', 'scale', '--detach', `${app}=2`]);
  await waitForRunning(app, 2);
  // The stopped tasks' drains (3 s) end under load too.
  await new Promise((r) => setTimeout(r, 5_000));
  const stats = await load.stop();
  await assertNoFailures(stats, 'scale 3 → 5 → 2');
  const two = await taskHostnames(app);
  const after = new Set<string>();
  for (let i = 0; i < 10; i++) after.add((await hostnameVia(edgeUrls[0] ?? '')) ?? '');
  assert.deepEqual([...after].sort(), two);
});

test('a start-first rolling update of the app under continuous load: zero failed requests, every task replaced', { timeout: 300_000 }, async (t) => {
  if (!(await requireDocker(t)) || stack === null) return;
  const { app, edgeUrls } = stack;
  const old = await taskHostnames(app);
  const load = loadBoth(edgeUrls);
  // --detach=false: returns once the update has converged.
  await docker(['service', 'update', '--env-add', 'ROLLED=1', '--detach=false', app], { timeoutMs: 240_000 });
  await waitForRunning(app, old.length);
  await new Promise((r) => setTimeout(r, 5_000));
  const stats = await load.stop();
  await assertNoFailures(stats, 'rolling update');
  const now = await taskHostnames(app);
  assert.equal(now.filter((h) => old.includes(h)).length, 0, `old ${old.join(',')} now ${now.join(',')}`);
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) seen.add((await hostnameVia(edgeUrls[0] ?? '')) ?? '');
  assert.deepEqual([...seen].sort(), now);
});

test('a task made unhealthy leaves the pool', { timeout: 180_000 }, async (t) => {
  if (!(await requireDocker(t)) || stack === null) return;
  const { app, edgeUrls } = stack;
  const [sick, ...rest] = await taskHostnames(app);
  assert.ok(sick !== undefined && rest.length > 0);
  await docker(['exec', sick, 'node', '-e', "fetch('http://127.0.0.1/health/fail').then((r) => process.exit(r.ok ? 0 : 1))"]);
  // Healthcheck every 1 s, 2 retries: unhealthy within a few seconds; Swarm then replaces the task.
  await waitFor(`task ${sick} out of every edge's pool`, async () => {
    for (const url of edgeUrls) {
      for (let i = 0; i < 12; i++) if ((await hostnameVia(url)) === sick) return undefined;
    }
    return true;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  const load = loadBoth(edgeUrls);
  await new Promise((r) => setTimeout(r, 3_000));
  const stats = await load.stop();
  await assertNoFailures(stats, 'after the unhealthy task left');
  for (const s of stats) assert.ok(!hostnamesOf(s).has(sick), `${sick} still served: ${describeStats(s)}`);
});

test('a typo in deploy.labels is reported by name with its suggestion: pe-edge check --swarm and the edge\'s log', { timeout: 180_000 }, async (t) => {
  if (!(await requireDocker(t)) || stack === null) return;
  const { scope, id, edge } = stack;
  const typo = await scope.service('typo', {
    image: IMAGES.whoami,
    networks: [stack.net],
    labels: { 'pe-edge.test.run': id, 'traefik.http.routers.typo.rulee': 'Host(`typo.test`)', 'traefik.http.services.typo.loadbalancer.server.port': '80' },
  });
  // An empty folder: no traefik.yml of this checkout is read.
  const cwd = mkdtempSync(join(tmpdir(), 'pe-edge-swarm-check-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const check = await runCli(['check', '--swarm', `--providers.swarm.constraints=Label(\`pe-edge.test.run\`, \`${id}\`)`], { cwd, timeoutMs: 60_000 });
  const out = check.stdout.join('\n');
  assert.equal(check.code, 1, out + check.stderr.join('\n'));
  assert.match(out, new RegExp(`swarm service ${typo}[\\s\\S]*traefik\\.http\\.routers\\.typo\\.rulee[^\\n]*did you mean "rule"`));
  await waitFor('the edge logging the typo', async () => {
    const logs = await runCommand('docker', ['service', 'logs', '--raw', edge], { timeoutMs: 30_000 });
    return /traefik\.http\.routers\.typo\.rulee[^\n]*did you mean \\?"rule\\?"/.test(logs.stdout + logs.stderr) || undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
});
