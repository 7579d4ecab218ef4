// Every traefik.* label the generator writes must decode cleanly with labels-spec's decoder,
// the one the Docker provider uses, into the pool the product describes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels } from '../../../labels-spec/index.js';
import { apr1, appLabels, DASHBOARD_USERS_LABEL, defineTopology, edgeLabels, type Labels, type TopologyInput } from '../../../compose/index.js';

/** A loose view of the decoded tree: the assertions below read plain fields. */
type Tree = { [key: string]: Tree | undefined } & Record<string, unknown>;
const tree = (value: unknown): Tree => (value ?? {}) as Tree;

const topologies: [string, TopologyInput][] = [
  ['prod', { dashboard: { user: 'admin', passwordHash: apr1('test', 'H6uskkkW') } }],
  ['dev', { dev: true, dashboard: { user: 'admin', passwordHash: apr1('test', 'H6uskkkW') } }],
  ['env credentials', { dashboard: { usersFromEnv: 'PE_EDGE_DASHBOARD_USERS' } }],
  ['other domain and port', { domain: 'example.org', appPort: 8080, dashboard: { user: 'ops', passwordHash: apr1('x') } }],
];

/** The labels the container gets: compose has put the env var's `user:hash` in place of `${VAR:?...}`. */
function asContainerSees(labels: Labels): Labels {
  const users = labels[DASHBOARD_USERS_LABEL];
  return users?.startsWith('${') ? { ...labels, [DASHBOARD_USERS_LABEL]: `admin:${apr1('from-env')}` } : labels;
}

test('generated labels decode without errors or warnings', () => {
  for (const [name, input] of topologies) {
    const t = defineTopology(input);
    for (const [who, labels] of [['edge', asContainerSees(edgeLabels(t))], ['app', appLabels(t)]] as const) {
      const result = decodeLabels(labels);
      assert.deepEqual(result.issues.map((i) => `${i.severity}: ${i.message}`), [], `${name} ${who}`);
      assert.equal(result.enable, true, `${name} ${who} traefik.enable`);
    }
  }
});

test('app labels decode to the seed pool: health check, sticky cookie, middlewares, network', () => {
  const result = decodeLabels(appLabels(defineTopology(topologies[0]?.[1] ?? { dashboard: { usersFromEnv: 'X' } })));
  assert.equal(result.network, 'pixelated-network');
  const router = result.config.http?.routers?.['app'];
  assert.equal(router?.['rule'], 'Host(`pixelated-empathy.com`) || Host(`www.pixelated-empathy.com`)');
  assert.deepEqual(router?.['middlewares'], ['security-headers@file', 'rate-limit@file', 'compression@file', 'circuit-breaker@file', 'retry@file']);
  assert.deepEqual(router?.['entryPoints'], ['websecure']);
  const lb = tree(tree(tree(result.config.http?.services)['app'])['loadBalancer']);
  assert.equal((lb?.['healthCheck'] as Record<string, unknown> | undefined)?.['path'], '/health');
  const cookie = (lb?.['sticky'] as { cookie?: Record<string, unknown> } | undefined)?.cookie;
  assert.equal(cookie?.['name'], 'pe_session');
  assert.equal(cookie?.['secure'], true);
  assert.equal(cookie?.['httpOnly'], true);
});

test('edge labels decode to the dashboard router and its basicAuth users', () => {
  const result = decodeLabels(edgeLabels(defineTopology(topologies[0]?.[1] ?? { dashboard: { usersFromEnv: 'X' } })));
  assert.equal(result.config.http?.routers?.['dashboard']?.['service'], 'api@internal');
  const auth = tree(tree(result.config.http?.middlewares?.['dashboard-auth'])['basicAuth']);
  assert.deepEqual(auth?.users, [`admin:${apr1('test', 'H6uskkkW')}`]);
});
