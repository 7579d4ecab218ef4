// Which container events change the Docker provider's fragment. An event whose fragment equals the last one
// rebuilds nothing (serve.ts, through ProviderThrottle): containers that are not routed must leave it equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameConfiguration } from '../../../operator/aggregation/provider-throttle.js';
import { compileConstraints } from '../../../operator/providers/docker/constraints.js';
import type { DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import { ContainerConfigs } from '../../../operator/providers/docker/container-configs.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';
import { mergeContainers } from '../../../operator/providers/docker/merge-containers.js';

const base: DockerProviderOptions = { exposedByDefault: false, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false };

function view(name: string, labels: Record<string, string>, extra: Partial<ContainerView> = {}): ContainerView {
  return {
    id: `id-${name}`, name, running: true, paused: false, health: null, networkMode: 'bridge', labels,
    networks: { bridge: { ip: `10.0.0.${name.length}`, ipv6: '' } }, ports: [80], bindings: {}, ...extra,
  };
}

const app = view('app', { 'traefik.enable': 'true', 'traefik.http.routers.app.rule': 'Host(`app.test`)' });
const fragment = (options: DockerProviderOptions, views: ContainerView[]) => mergeContainers(new ContainerConfigs(options).results(views)).config;

const cases: { desc: string; options?: DockerProviderOptions; before: ContainerView[]; after: ContainerView[]; changed: boolean }[] = [
  { desc: 'a container without traefik labels starts', before: [app], after: [app, view('db', { 'com.docker.compose.service': 'db' })], changed: false },
  { desc: 'a container with traefik.enable=false starts', before: [app], after: [app, view('off', { 'traefik.enable': 'false', 'traefik.http.routers.off.rule': 'Host(`off.test`)' })], changed: false },
  {
    desc: 'a container outside providers.docker.constraints starts',
    options: { ...base, exposedByDefault: true, constraint: compileConstraints('Label(`team`, `web`)') },
    before: [view('app', { team: 'web' })],
    after: [view('app', { team: 'web' }), view('batch', { team: 'data', 'traefik.http.routers.batch.rule': 'Host(`batch.test`)' })],
    changed: false,
  },
  { desc: 'an unrelated container is paused', before: [app, view('db', {})], after: [app, view('db', {}, { paused: true })], changed: false },
  { desc: 'an unrelated container stops', before: [app, view('db', {})], after: [app], changed: false },
  { desc: 'a labelled container starts', before: [app], after: [app, view('api', { 'traefik.enable': 'true' })], changed: true },
  { desc: 'the routed container is paused', before: [app], after: [{ ...app, paused: true }], changed: true },
];

for (const c of cases) {
  test(`${c.desc}: the fragment ${c.changed ? 'changes' : 'stays equal, nothing is rebuilt'}`, () => {
    const options = c.options ?? base;
    assert.equal(!sameConfiguration(fragment(options, c.before), fragment(options, c.after)), c.changed);
  });
}

/** A deep copy with every object's keys in reverse order, as another file or label order would give. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

test('key order never makes two configurations differ; the order of a list does', () => {
  const one = fragment(base, [app]);
  assert.ok(sameConfiguration(one, reversedKeys(one) as typeof one));
  const replica = { 'traefik.enable': 'true', 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'app' };
  const two = fragment(base, [view('app-1', replica), view('app-22', replica)]);
  const flipped = JSON.parse(JSON.stringify(two)) as { http: { services: Record<string, { loadBalancer: { servers: unknown[] } }> } };
  for (const s of Object.values(flipped.http.services)) {
    assert.equal(s.loadBalancer.servers.length, 2, 'two replicas, one service');
    s.loadBalancer.servers.reverse();
  }
  assert.ok(!sameConfiguration(two, flipped as unknown as typeof two), 'servers in another order are another rotation');
});
