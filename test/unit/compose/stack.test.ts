// `pe-edge compose generate --swarm`: the stack file's structure, as `docker stack deploy` reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { decodeLabels } from '../../../labels-spec/index.js';
import {
  apr1,
  appLabels,
  defineStackOptions,
  defineTopology,
  DASHBOARD_USERS_LABEL,
  generateStack,
  swarmAppLabels,
  swarmEdgeLabels,
  type Labels,
  type TopologyInput,
} from '../../../compose/index.js';

// dist/test/unit/compose -> repository root
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const HASH = apr1('test', 'H6uskkkW');
const inline = { user: 'admin', passwordHash: HASH } as const;

interface Deploy {
  mode: string;
  replicas: number;
  placement?: { constraints: string[]; max_replicas_per_node?: number };
  update_config: { order: string; parallelism: number; failure_action: string };
  rollback_config: { order: string; parallelism: number };
  restart_policy: { condition: string };
  labels: Record<string, string>;
}
interface Service {
  image: string;
  command?: string[];
  ports?: { target: number; published: number; protocol: string; mode: string }[];
  volumes?: string[];
  configs?: { source: string; target: string }[];
  environment?: Record<string, string>;
  networks: string[];
  healthcheck?: { test: string[] };
  labels?: unknown;
  deploy: Deploy;
}
interface Stack {
  version: string;
  services: Record<string, Service>;
  networks: Record<string, { name: string; driver: string; attachable: boolean }>;
  volumes: Record<string, unknown>;
  configs: Record<string, { name: string; file: string }>;
}

const stack = (input: TopologyInput, edgeReplicas?: number): Stack =>
  parse(generateStack(defineTopology(input), defineStackOptions(edgeReplicas === undefined ? {} : { edgeReplicas }))) as Stack;

const service = (s: Stack, name: string): Service => {
  const found = s.services[name];
  assert.ok(found, `service ${name}`);
  return found;
};

/**
 * Keys `docker stack deploy` ignores ("Ignoring unsupported options", docker/cli compose/types UnsupportedProperties)
 * or that only Compose acts on (container_name, depends_on, scale, profiles, expose).
 */
const COMPOSE_ONLY_KEYS = [
  'build', 'cgroupns_mode', 'cgroup_parent', 'devices', 'domainname', 'external_links', 'ipc', 'links', 'mac_address',
  'network_mode', 'pid', 'privileged', 'restart', 'security_opt', 'shm_size', 'userns_mode',
  'container_name', 'depends_on', 'scale', 'profiles', 'expose',
];

test('swarm: pe-edge (2 tasks by default, managers only, one per node) and one app service of --replicas tasks', () => {
  const s = stack({ dashboard: inline });
  assert.equal(s.version, '3.8');
  assert.deepEqual(Object.keys(s.services), ['pe-edge', 'app']);
  const edge = service(s, 'pe-edge');
  assert.equal(edge.deploy.mode, 'replicated');
  assert.equal(edge.deploy.replicas, 2);
  assert.deepEqual(edge.deploy.placement, { constraints: ['node.role == manager'], max_replicas_per_node: 1 });
  assert.equal(service(s, 'app').deploy.replicas, 3);
  assert.equal(service(stack({ dashboard: inline, replicas: 5 }, 3), 'app').deploy.replicas, 5);
  assert.equal(service(stack({ dashboard: inline, replicas: 5 }, 3), 'pe-edge').deploy.replicas, 3);
});

test('swarm: no key Swarm ignores or refuses, no container labels (Swarm providers read deploy.labels)', () => {
  for (const input of [{ dashboard: inline }, { dashboard: { usersFromEnv: 'PE_EDGE_DASHBOARD_USERS' } }, { dashboard: inline, appHealthcheck: 'none' as const }]) {
    const s = stack(input);
    for (const [name, svc] of Object.entries(s.services)) {
      const present = COMPOSE_ONLY_KEYS.filter((k) => k in svc);
      assert.deepEqual(present, [], `${name} has ${present.join(', ')}`);
      assert.equal(svc.labels, undefined, `${name}: labels belong under deploy.labels`);
      assert.ok(Object.keys(svc.deploy.labels).length > 0, `${name} deploy.labels`);
    }
  }
});

test('swarm: the edge publishes 80/443 in host mode (client addresses kept for rate limits and logs), never 8082', () => {
  const edge = service(stack({ dashboard: inline }), 'pe-edge');
  assert.deepEqual(edge.ports, [
    { target: 80, published: 80, protocol: 'tcp', mode: 'host' },
    { target: 443, published: 443, protocol: 'tcp', mode: 'host' },
  ]);
  assert.ok(edge.volumes?.includes('/var/run/docker.sock:/var/run/docker.sock:ro'), 'the manager socket');
  assert.ok(edge.volumes?.includes('letsencrypt:/letsencrypt'));
  assert.deepEqual(edge.configs, [
    { source: 'traefik-yml', target: '/etc/traefik/traefik.yml' },
    { source: 'dynamic-yml', target: '/etc/traefik/dynamic.yml' },
  ]);
  assert.match(edge.command?.[1] ?? '', /^--certificatesResolvers\.letsencrypt\.acme\.email=\$\{ACME_EMAIL:\?/);
  assert.deepEqual(edge.healthcheck?.test.slice(0, 4), ['CMD', 'node', '/app/dist/operator/cli/main.js', 'healthcheck']);
});

test('swarm: app updates start the new task first and roll back on failure; the edge frees a node\'s ports first', () => {
  const s = stack({ dashboard: inline });
  const app = service(s, 'app').deploy;
  assert.equal(app.update_config.order, 'start-first');
  assert.equal(app.update_config.parallelism, 1);
  assert.equal(app.update_config.failure_action, 'rollback');
  assert.equal(app.rollback_config.order, 'start-first');
  assert.equal(app.restart_policy.condition, 'any');
  const edge = service(s, 'pe-edge').deploy;
  assert.equal(edge.update_config.order, 'stop-first', 'host-mode ports: two tasks cannot bind one node\'s 443');
  assert.equal(edge.restart_policy.condition, 'any');
  assert.deepEqual(service(s, 'app').healthcheck?.test.slice(0, 3), ['CMD', 'node', '-e']);
  assert.equal(service(s, 'app').environment?.['INSTANCE_NAME'], 'app{{.Task.Slot}}', 'Swarm fills in the task slot');
});

test('swarm: an attachable overlay network with a pinned name, named by traefik.swarm.network and the static config', () => {
  const s = stack({ dashboard: inline, network: 'edge-net' });
  assert.deepEqual(s.networks, { 'edge-net': { name: 'edge-net', driver: 'overlay', attachable: true } });
  for (const svc of Object.values(s.services)) assert.deepEqual(svc.networks, ['edge-net']);
  const labels = service(s, 'app').deploy.labels;
  assert.equal(labels['traefik.swarm.network'], 'edge-net');
  assert.equal(labels['traefik.docker.network'], undefined);
  const staticConfig = parse(readFileSync(join(ROOT, 'examples/swarm/traefik.yml'), 'utf8')) as { providers: Record<string, { network?: string }> };
  assert.deepEqual(Object.keys(staticConfig.providers).sort(), ['file', 'swarm'], 'providers.swarm instead of providers.docker');
  assert.equal(staticConfig.providers['swarm']?.network, service(stack({ dashboard: inline }), 'app').deploy.labels['traefik.swarm.network']);
});

test('swarm: configs are versioned by PE_EDGE_CONFIG_VERSION (a Swarm config cannot change under its name)', () => {
  const s = stack({ dashboard: inline });
  assert.deepEqual(s.configs, {
    'traefik-yml': { name: 'pe-edge-traefik-yml-${PE_EDGE_CONFIG_VERSION:-1}', file: './examples/swarm/traefik.yml' },
    'dynamic-yml': { name: 'pe-edge-dynamic-yml-${PE_EDGE_CONFIG_VERSION:-1}', file: './examples/swarm/dynamic.yml' },
  });
  assert.deepEqual(s.volumes, { letsencrypt: {} });
});

test('swarm app labels: the Compose pool (server.port required on Swarm) plus the seed\'s api and auth routers', () => {
  const t = defineTopology({ dashboard: inline, appPort: 8080 });
  const labels = service(stack({ dashboard: inline, appPort: 8080 }), 'app').deploy.labels;
  assert.equal(labels['traefik.http.services.app.loadbalancer.server.port'], '8080');
  for (const [key, value] of Object.entries(appLabels(t))) {
    if (key !== 'traefik.docker.network') assert.equal(labels[key], value, key);
  }
  assert.equal(labels['traefik.http.routers.api.rule'], 'Host(`pixelated-empathy.com`) && PathPrefix(`/api`)');
  assert.equal(labels['traefik.http.routers.auth.priority'], '200');
  assert.equal(labels['traefik.http.routers.auth.middlewares'], 'security-headers@file,auth-rate-limit@file');
});

/** The seed dynamic.yml's routers, each as labels on the app service would define it. */
test('swarm app labels reproduce every router of the seed dynamic.yml on the labelled pool', () => {
  type SeedRouter = { rule: string; entryPoints: string[]; middlewares: string[]; priority?: number; tls: { certResolver: string } };
  const seed = parse(readFileSync(join(ROOT, 'dynamic.yml'), 'utf8')) as { http: { routers: Record<string, SeedRouter> } };
  const decoded = decodeLabels(withoutProviderKeys(swarmAppLabels(defineTopology({ dashboard: inline }))));
  const routers = decoded.config.http?.routers ?? {};
  assert.deepEqual(Object.keys(routers).sort(), Object.keys(seed.http.routers).sort());
  for (const [name, want] of Object.entries(seed.http.routers)) {
    const got = routers[name];
    assert.ok(got, name);
    assert.equal(got.rule, want.rule, `${name} rule`);
    assert.equal(got.priority, want.priority, `${name} priority`);
    assert.deepEqual(got.entryPoints, want.entryPoints, `${name} entryPoints`);
    assert.deepEqual(got.middlewares, want.middlewares.map((m) => `${m}@file`), `${name} middlewares`);
    assert.equal(got.tls?.certResolver, want.tls.certResolver, `${name} certResolver`);
    assert.equal(got.service, 'app', `${name} goes to the labelled pool`);
  }
});

/** `traefik.swarm.*` configures the provider, not the dynamic configuration. */
function withoutProviderKeys(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('traefik.swarm.')));
}

test('swarm labels decode without a single issue; the edge keeps its dashboard router with a named port', () => {
  for (const input of [{ dashboard: inline }, { dashboard: inline, domain: 'example.org', appPort: 8080 }] as TopologyInput[]) {
    const t = defineTopology(input);
    for (const [who, labels] of [['edge', swarmEdgeLabels(t)], ['app', swarmAppLabels(t)]] as const) {
      const decoded = decodeLabels(withoutProviderKeys(labels));
      assert.deepEqual(decoded.issues.map((i) => `${i.severity}: ${i.message}`), [], who);
      assert.equal(decoded.enable, true);
    }
    // Swarm gives no port to detect: a service without one is "port is missing" and every label of it is dropped.
    const edge = decodeLabels(withoutProviderKeys(swarmEdgeLabels(t)));
    assert.equal(edge.servers['pe-edge']?.port, 8080);
    assert.equal(edge.config.http?.routers?.['dashboard']?.service, 'api@internal');
  }
});

test('swarm: the edge\'s dashboard users are doubled $ (inline hash) or the env reference', () => {
  const inlineUsers = service(stack({ dashboard: inline }), 'pe-edge').deploy.labels[DASHBOARD_USERS_LABEL];
  assert.equal(inlineUsers, `admin:${HASH.replaceAll('$', () => '$$')}`);
  const fromEnv = service(stack({ dashboard: { usersFromEnv: 'PE_EDGE_DASHBOARD_USERS' } }), 'pe-edge').deploy.labels[DASHBOARD_USERS_LABEL];
  assert.match(fromEnv ?? '', /^\$\{PE_EDGE_DASHBOARD_USERS:\?[^}]+\}$/);
});

test('swarm: the header says how to deploy, scale and change the configs, and how it was generated', () => {
  const text = generateStack(defineTopology({ dashboard: { usersFromEnv: 'PE_EDGE_DASHBOARD_USERS' }, replicas: 4 }), defineStackOptions({ edgeReplicas: 3 }));
  assert.match(text, /^# {3}export ACME_EMAIL=you@example\.com; docker stack deploy -c <this file> pe$/m);
  assert.match(text, /^# {3}docker service scale pe_app=6 /m);
  assert.match(text, /^# Generated by: pe-edge compose generate --swarm --edge-replicas 3 --replicas 4 --dashboard-from-env$/m);
  assert.match(text, /PE_EDGE_CONFIG_VERSION/);
  assert.ok(text.indexOf('# Generated by') < text.indexOf('version: "3.8"'));
});

test('swarm: bad options and --dev are refused by name', () => {
  assert.throws(() => defineStackOptions({ edgeReplicas: 0 }), /edgeReplicas 0 must be an integer 1-99/);
  assert.throws(() => generateStack(defineTopology({ dashboard: inline, dev: true }), defineStackOptions({})), /no development variant/);
});
