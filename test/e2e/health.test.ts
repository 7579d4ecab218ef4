// Docker health drives the pool: a container with a HEALTHCHECK joins only once `healthy`, leaves on
// `health_status: unhealthy` (no request reaches it while it fails /health), and comes back when it
// is healthy again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGES, dockerScope, ensureImages, httpGet, requireDocker, waitFor } from './support/docker-env.js';
import { followDockerEvents, hostnameOf, pollBackends, sleep, startEdgeOnHost, viaEdge } from './support/edge-on-host.js';

const LABELS = {
  'traefik.enable': 'true',
  'traefik.http.routers.hc.rule': 'Host(`hc.test`)',
  'traefik.http.services.hc.loadbalancer.server.port': '80',
};

test('a container joins once healthy, leaves when unhealthy, returns when healthy again', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureImages();
  const scope = dockerScope(t);
  const network = await scope.network();
  const edge = await startEdgeOnHost(t, { network });
  const events = followDockerEvents();
  t.after(() => events.stop());
  await events.ready;

  // ---- joins only once healthy: poll from before it starts
  const poller = pollBackends(`${edge.url}/`, 'hc.test', { concurrency: 1, intervalMs: 5 });
  let polling = true;
  t.after(async () => { if (polling) await poller.stop(); });
  const a = await scope.run({ image: IMAGES.whoamiHc, network, labels: LABELS, hostname: 'hc-a' });
  await a.waitHealth('healthy', 20_000);
  await waitFor('hc-a routed', () => poller.firstSeen.has('hc-a'), { timeoutMs: 5000, intervalMs: 10 });
  polling = false;
  await poller.stop();
  const start = events.events.find((e) => e.id === a.id && e.action === 'start');
  const healthy = events.events.find((e) => e.id === a.id && e.action === 'health_status: healthy');
  assert.ok(start !== undefined && healthy !== undefined, 'start and healthy events seen');
  const routedAt = poller.firstSeen.get('hc-a') as number;
  assert.ok(routedAt >= healthy.timeMs, `first routed ${Math.round(healthy.timeMs - routedAt)} ms BEFORE the healthy event`);
  // Between start and healthy the router does not exist (Traefik skips a container that is not healthy).
  const before = poller.failures.filter((f) => f.at < healthy.timeMs);
  assert.ok(before.length > 0, 'requests were sent while it was starting');
  assert.ok(before.every((f) => f.what.startsWith('404')), JSON.stringify(before.slice(0, 3)));
  t.diagnostic(`start → healthy ${Math.round(healthy.timeMs - start.timeMs)} ms; healthy → first routed ${Math.round(routedAt - healthy.timeMs)} ms; ${before.length} requests got 404 while starting`);

  // ---- a second healthy replica, both in the pool
  const b = await scope.run({ image: IMAGES.whoamiHc, network, labels: LABELS, hostname: 'hc-b' });
  await b.waitHealth('healthy', 20_000);
  await waitFor('both routed', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(hostnameOf((await viaEdge(edge, 'hc.test')).body) ?? '');
    return names.has('hc-a') && names.has('hc-b');
  }, { timeoutMs: 5000, intervalMs: 50 });

  // ---- /health/fail on hc-a directly: unhealthy, then no request reaches it
  const ipA = await a.ip(network);
  assert.equal((await httpGet(`http://${ipA}/health/fail`)).status, 200);
  await a.waitHealth('unhealthy', 20_000);
  await events.waitFor((e) => e.id === a.id && e.action === 'health_status: unhealthy', 5000);
  await sleep(100);
  const during: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await viaEdge(edge, 'hc.test');
    assert.equal(r.status, 200, r.body);
    during.push(hostnameOf(r.body) ?? '');
  }
  assert.deepEqual([...new Set(during)], ['hc-b'], 'only the healthy replica is reached');
  // hc-a itself still answers: it is out of the pool because of its health, not because it is down.
  assert.equal((await httpGet(`http://${ipA}/`)).status, 200);

  // ---- /health/ok: healthy again and back in rotation
  await httpGet(`http://${ipA}/health/ok`);
  await a.waitHealth('healthy', 20_000);
  const back = await events.waitFor((e) => e.id === a.id && e.action === 'health_status: healthy' && e.timeMs > healthy.timeMs, 5000);
  const returned = await waitFor('hc-a back in rotation', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(hostnameOf((await viaEdge(edge, 'hc.test')).body) ?? '');
    return names.has('hc-a') && names.has('hc-b') ? Date.now() : undefined;
  }, { timeoutMs: 3000, intervalMs: 20 });
  t.diagnostic(`healthy again → both in rotation within ${Math.round(returned - back.timeMs)} ms`);
});
