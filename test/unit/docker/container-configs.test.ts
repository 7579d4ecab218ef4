// The Docker provider's per-container results, as it computes them on every event: labels are decoded
// once per container, not once per container per event. A counting decoder (the real decodeLabels behind
// it) shows how many containers each event decoded; the results must equal decoding everything afresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels } from '../../../labels-spec/index.js';
import { containerConfig, type DockerProviderOptions } from '../../../operator/providers/docker/container-config.js';
import { ContainerConfigs } from '../../../operator/providers/docker/container-configs.js';
import type { ContainerView } from '../../../operator/providers/docker/container-view.js';

const options: DockerProviderOptions = { exposedByDefault: true, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false };

/** A fresh view every call, as `docker inspect` returns after an event. */
function view(name: string, extra: Partial<ContainerView> = {}, labels: Record<string, string> = {}): ContainerView {
  return {
    id: `id-${name}`, name, running: true, paused: false, health: null, networkMode: 'bridge',
    labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': name, [`traefik.http.routers.r-${name}.rule`]: `Host(\`${name}.test\`)`, ...labels },
    networks: { bridge: { ip: `10.0.0.${name.length}`, ipv6: '' } }, ports: [80], bindings: {}, ...extra,
  };
}

function counting(): { decode: typeof decodeLabels; calls: string[] } {
  const calls: string[] = [];
  return { calls, decode: (labels) => { calls.push(labels['com.docker.compose.service'] ?? '?'); return decodeLabels(labels); } };
}

/** What the provider computed before this cache: every container decoded afresh. */
const uncached = (views: ContainerView[]) => views.map((c) => containerConfig(c, options));

test('one event that changes one container decodes that container only', () => {
  const { decode, calls } = counting();
  const configs = new ContainerConfigs(options, decode);
  const all = () => [view('alpha'), view('beta'), view('gamma')];
  assert.deepEqual(configs.results(all()), uncached(all()));
  assert.deepEqual(calls.sort(), ['alpha', 'beta', 'gamma'], 'the first sync decodes every container');

  calls.length = 0;
  // beta comes back from an event with other labels (a new rule): one container decoded, the others kept.
  const afterEvent = () => [view('alpha'), view('beta', {}, { 'traefik.http.routers.r-beta.rule': 'Host(`beta.example`)' }), view('gamma')];
  const results = configs.results(afterEvent());
  assert.deepEqual(calls, ['beta']);
  assert.deepEqual(results, uncached(afterEvent()));
  const beta = results.find((r) => r.container.name === 'beta');
  assert.equal(beta?.kind === 'routed' ? beta.config.http.routers['r-beta']?.rule : undefined, 'Host(`beta.example`)');
});

test('state changes (pause, health, stop) decode nothing; removed containers are forgotten', () => {
  const { decode, calls } = counting();
  const configs = new ContainerConfigs(options, decode);
  configs.results([view('alpha'), view('beta')]);
  calls.length = 0;

  const paused = [view('alpha', { paused: true }), view('beta', { health: 'unhealthy' })];
  assert.deepEqual(configs.results(paused), uncached(paused));
  assert.deepEqual(calls, []);
  assert.equal(configs.results(paused).every((r) => r.kind === 'skipped'), true);

  assert.deepEqual(configs.results([view('alpha')]), uncached([view('alpha')]));
  assert.equal(configs.size, 1, 'beta left: its decoded labels are dropped');
  configs.results([view('alpha'), view('beta')]);
  assert.deepEqual(calls, ['beta'], 'beta back (a new container): decoded again');
});

test('a result handed out can be changed without changing the next one', () => {
  const configs = new ContainerConfigs(options);
  const first = configs.results([view('alpha')])[0];
  assert.ok(first?.kind === 'routed');
  const router = first.config.http.routers['r-alpha'];
  assert.ok(router !== undefined);
  router.rule = 'Host(`changed.test`)';
  delete first.config.http.services['alpha-demo'];
  assert.deepEqual(configs.results([view('alpha')]), uncached([view('alpha')]));
});

test('label errors are kept with the decoded labels: the container stays out on every event', () => {
  const { decode, calls } = counting();
  const configs = new ContainerConfigs(options, decode);
  const bad = () => [view('typo', {}, { 'traefik.http.routers.r-typo.rulle': 'Host(`x`)' })];
  for (let i = 0; i < 3; i++) {
    const [result] = configs.results(bad());
    assert.equal(result?.kind, 'skipped');
    assert.match(result?.issues.map((issue) => issue.message).join('\n') ?? '', /did you mean "rule"\?/);
  }
  assert.deepEqual(calls, ['typo']);
});
