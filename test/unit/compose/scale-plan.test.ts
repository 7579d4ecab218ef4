import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScale, spread, traefikPools, type ComposeServiceEntry } from '../../../compose/scale-plan.js';

const pooled = (name: string): ComposeServiceEntry => ({ labels: { 'traefik.enable': 'true', [`traefik.http.services.${name}.loadbalancer.server.port`]: '3000' } });

test('n containers spread evenly over a pool, the first services taking the remainder, the last at 0 below its size', () => {
  const apps = ['app1', 'app2', 'app3'];
  const table: [number, number[]][] = [
    [6, [2, 2, 2]],
    [7, [3, 2, 2]],
    [8, [3, 3, 2]],
    [3, [1, 1, 1]],
    [2, [1, 1, 0]],
    [1, [1, 0, 0]],
    [0, [0, 0, 0]],
  ];
  for (const [total, counts] of table) {
    assert.deepEqual(spread(apps, total), apps.map((s, i) => [s, counts[i]]), `app=${total}`);
  }
});

test('a compose service by the name is scaled alone; otherwise the pool of the Traefik service by that name', () => {
  const services: Record<string, ComposeServiceEntry> = {
    'pe-edge': { labels: { 'traefik.http.routers.dashboard.service': 'api@internal' } },
    app1: pooled('app'),
    app2: pooled('app'),
    // Labels as a list, as many compose files write them.
    app3: { labels: ['traefik.enable=true', 'traefik.http.services.app.loadbalancer.server.port=3000'] },
    api: pooled('api-pool'),
    prometheus: {},
  };
  assert.deepEqual([...traefikPools(services)], [['app', ['app1', 'app2', 'app3']], ['api-pool', ['api']]]);
  assert.deepEqual(planScale(services, 'app', 6), { target: 'app', pool: true, counts: [['app1', 2], ['app2', 2], ['app3', 2]] });
  assert.deepEqual(planScale(services, 'app1', 3), { target: 'app1', pool: false, counts: [['app1', 3]] });
  assert.deepEqual(planScale(services, 'api-pool', 2), { target: 'api-pool', pool: true, counts: [['api', 2]] });
  assert.equal(planScale(services, 'ap', 2), undefined);
  // A compose service wins over a pool of the same name.
  assert.deepEqual(planScale({ app: pooled('app'), app2: pooled('app') }, 'app', 4), { target: 'app', pool: false, counts: [['app', 4]] });
});
