import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  acmeEmailFlag,
  apr1,
  appLabels,
  composeModel,
  defineTopology,
  edgeLabels,
  generateCompose,
  type ComposeFile,
  type TopologyInput,
} from '../../../compose/index.js';

const HASH = apr1('test', 'H6uskkkW'); // $apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/
const inline = { user: 'admin', passwordHash: HASH } as const;

interface Service {
  image: string;
  ports?: string[];
  volumes?: string[];
  command?: string[];
  labels: Record<string, string>;
  environment?: Record<string, string>;
  expose?: string[];
  networks: string[];
  healthcheck?: { test: string[] };
}
const parsed = (input: TopologyInput): { services: Record<string, Service> } & Omit<ComposeFile, 'services'> =>
  parse(generateCompose(defineTopology(input))) as { services: Record<string, Service> } & Omit<ComposeFile, 'services'>;

test('prod: pe-edge plus app1..app3, ports, volumes, configFile, network pinned by name', () => {
  const doc = parsed({ dashboard: inline });
  assert.equal(doc.version, '3.8');
  assert.deepEqual(Object.keys(doc.services), ['pe-edge', 'app1', 'app2', 'app3', 'prometheus']);
  const edge = doc.services['pe-edge'];
  assert.ok(edge);
  assert.equal(edge.image, 'pe-edge:latest');
  // /metrics has no authentication: the host's loopback only; Prometheus scrapes it over the compose network.
  assert.deepEqual(edge.ports, ['80:80', '443:443', '127.0.0.1:8082:8082']);
  assert.deepEqual(edge.command, [
    '--configFile=/etc/traefik/traefik.yml',
    "--certificatesResolvers.letsencrypt.acme.email=${ACME_EMAIL:?set ACME_EMAIL to the address Let's Encrypt should write to}",
  ]);
  assert.ok(edge.volumes?.includes('/var/run/docker.sock:/var/run/docker.sock:ro'));
  assert.ok(edge.volumes?.includes('letsencrypt:/letsencrypt'));
  assert.ok(edge.volumes?.includes('./traefik.yml:/etc/traefik/traefik.yml:ro'));
  assert.ok(edge.volumes?.includes('./dynamic.yml:/etc/traefik/dynamic.yml:ro'));
  assert.deepEqual(edge.healthcheck?.test.slice(0, 4), ['CMD', 'node', '/app/dist/operator/cli/main.js', 'healthcheck']);
  assert.deepEqual(doc.networks, { 'pixelated-network': { name: 'pixelated-network', driver: 'bridge' } });
  assert.deepEqual(doc.volumes, { letsencrypt: {}, 'prometheus-data': {} });
});

test('the monitoring profile: Prometheus reads examples/monitoring, on loopback, started only with --profile monitoring', () => {
  for (const dev of [false, true]) {
    const prometheus = (parsed({ dashboard: inline, dev }).services['prometheus'] ?? {}) as Partial<Service> & { profiles?: string[] };
    assert.deepEqual(prometheus.profiles, ['monitoring']);
    assert.deepEqual(prometheus.ports, ['127.0.0.1:9090:9090']);
    assert.ok(prometheus.volumes?.includes('./examples/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro'));
    assert.ok(prometheus.volumes?.includes('./examples/monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro'));
    assert.deepEqual(prometheus.networks, ['pixelated-network']);
  }
});

test('edge labels: dashboard on traefik.<domain> behind basicAuth, $ doubled for compose', () => {
  const labels = parsed({ dashboard: inline }).services['pe-edge']?.labels ?? {};
  assert.deepEqual(labels, {
    'traefik.enable': 'true',
    'traefik.http.routers.dashboard.rule': 'Host(`traefik.pixelated-empathy.com`)',
    'traefik.http.routers.dashboard.service': 'api@internal',
    'traefik.http.routers.dashboard.entrypoints': 'websecure',
    'traefik.http.routers.dashboard.tls.certresolver': 'letsencrypt',
    'traefik.http.routers.dashboard.middlewares': 'dashboard-auth',
    'traefik.http.middlewares.dashboard-auth.basicauth.users': 'admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/',
  });
  // The label the container gets (after compose unescapes) is the plain htpasswd line.
  assert.equal(edgeLabels(defineTopology({ dashboard: inline }))['traefik.http.middlewares.dashboard-auth.basicauth.users'], `admin:${HASH}`);
});

test('dashboard from env: a compose ${VAR:?} reference, not escaped, no hash in the file', () => {
  const text = generateCompose(defineTopology({ dashboard: { usersFromEnv: 'PE_EDGE_DASHBOARD_USERS' } }));
  const users = (parse(text) as { services: Record<string, Service> }).services['pe-edge']?.labels['traefik.http.middlewares.dashboard-auth.basicauth.users'];
  assert.match(users ?? '', /^\$\{PE_EDGE_DASHBOARD_USERS:\?[^}]+\}$/);
  assert.doesNotMatch(text, /\$apr1\$[./0-9A-Za-z]{8}/);
});

test('prod: the ACME email comes from ACME_EMAIL at `up`, and the header says so', () => {
  for (const dashboard of [inline, { usersFromEnv: 'PE_EDGE_DASHBOARD_USERS' }]) {
    const text = generateCompose(defineTopology({ dashboard }));
    assert.match(text, /^# The Let's Encrypt account email is not in this file( either)?: export ACME_EMAIL=you@example\.com before `up`;$/m);
    assert.match(text, /^# it replaces traefik\.yml's certificatesResolvers\.letsencrypt\.acme\.email\. Compose refuses to start without it\.$/m);
    // The header comes before the document.
    assert.ok(text.indexOf('ACME_EMAIL=you@example.com') < text.indexOf('version: "3.8"'));
  }
  assert.match(acmeEmailFlag(), /^--certificatesResolvers\.letsencrypt\.acme\.email=\$\{ACME_EMAIL:\?[^}]+\}$/);
});

test('app1..appN carry identical labels: one router, one service with N servers', () => {
  for (const replicas of [1, 3, 5]) {
    const doc = parsed({ dashboard: inline, replicas });
    const apps = Object.keys(doc.services).filter((n) => n !== 'pe-edge' && n !== 'prometheus');
    assert.deepEqual(apps, Array.from({ length: replicas }, (_, i) => `app${i + 1}`));
    const first = JSON.stringify(doc.services['app1']?.labels);
    for (const name of apps) {
      const s = doc.services[name];
      assert.ok(s);
      assert.equal(JSON.stringify(s.labels), first, `${name} labels`);
      assert.equal(s.environment?.['INSTANCE_NAME'], name);
      assert.deepEqual(s.expose, ['3000']);
      assert.equal(s.image, 'pixelated-empathy/app:latest');
    }
  }
});

test('app labels: the seed pool (health /health 30s/5s, sticky pe_session, @file middlewares)', () => {
  const labels = parsed({ dashboard: inline }).services['app2']?.labels ?? {};
  const expected: Record<string, string> = {
    'traefik.enable': 'true',
    'traefik.docker.network': 'pixelated-network',
    'traefik.http.routers.app.rule': 'Host(`pixelated-empathy.com`) || Host(`www.pixelated-empathy.com`)',
    'traefik.http.routers.app.entrypoints': 'websecure',
    'traefik.http.routers.app.tls.certresolver': 'letsencrypt',
    'traefik.http.routers.app.service': 'app',
    'traefik.http.routers.app.middlewares': 'security-headers@file,rate-limit@file,compression@file,circuit-breaker@file,retry@file',
    'traefik.http.services.app.loadbalancer.server.port': '3000',
    'traefik.http.services.app.loadbalancer.healthcheck.path': '/health',
    'traefik.http.services.app.loadbalancer.healthcheck.interval': '30s',
    'traefik.http.services.app.loadbalancer.healthcheck.timeout': '5s',
    'traefik.http.services.app.loadbalancer.sticky.cookie.name': 'pe_session',
    'traefik.http.services.app.loadbalancer.sticky.cookie.secure': 'true',
    'traefik.http.services.app.loadbalancer.sticky.cookie.httponly': 'true',
  };
  assert.deepEqual(labels, expected);
});

test('options: domain, app image and port, edge image, network, healthcheck flavour', () => {
  const doc = parsed({
    dashboard: inline,
    domain: 'example.org',
    appImage: 'registry.local/app:2',
    appPort: 8080,
    edgeImage: 'pe-edge:dev',
    network: 'edge-net',
    appHealthcheck: 'wget',
  });
  const app = doc.services['app1'];
  assert.ok(app);
  assert.equal(app.labels['traefik.http.routers.app.rule'], 'Host(`example.org`) || Host(`www.example.org`)');
  assert.equal(app.labels['traefik.http.services.app.loadbalancer.server.port'], '8080');
  assert.equal(app.labels['traefik.docker.network'], 'edge-net');
  assert.equal(app.image, 'registry.local/app:2');
  assert.deepEqual(app.expose, ['8080']);
  assert.deepEqual(app.healthcheck?.test, ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:8080/health']);
  assert.equal(doc.services['pe-edge']?.image, 'pe-edge:dev');
  assert.equal(doc.services['pe-edge']?.labels['traefik.http.routers.dashboard.rule'], 'Host(`traefik.example.org`)');
  assert.deepEqual(Object.keys(doc.networks), ['edge-net']);
  assert.equal(parsed({ dashboard: inline, appHealthcheck: 'none' }).services['app1']?.healthcheck, undefined);
});

test('dev: plain HTTP on 127.0.0.1, no ACME, no certificate volume, dashboard on traefik.localhost', () => {
  const doc = parsed({ dashboard: inline, dev: true });
  const edge = doc.services['pe-edge'];
  assert.ok(edge);
  assert.deepEqual(edge.ports, ['127.0.0.1:8080:80', '127.0.0.1:8082:8082']);
  assert.ok(!edge.volumes?.some((v) => v.includes('letsencrypt')));
  assert.ok(edge.volumes?.includes('./examples/compose/traefik.dev.yml:/etc/traefik/traefik.yml:ro'));
  // No resolver in dev: a flag naming one would create it.
  assert.deepEqual(edge.command, ['--configFile=/etc/traefik/traefik.yml']);
  assert.doesNotMatch(generateCompose(defineTopology({ dashboard: inline, dev: true })), /ACME_EMAIL/);
  assert.deepEqual(doc.volumes, { 'prometheus-data': {} }, 'no certificate volume');
  assert.equal(edge.labels['traefik.http.routers.dashboard.rule'], 'Host(`traefik.localhost`)');
  for (const s of Object.values(doc.services)) {
    for (const [k, v] of Object.entries(s.labels ?? {})) {
      assert.doesNotMatch(k, /certresolver|\.tls/, k);
      if (k.endsWith('.entrypoints')) assert.equal(v, 'web', k);
    }
  }
  assert.equal(doc.services['app1']?.labels['traefik.http.routers.app.rule'], 'Host(`localhost`) || Host(`www.localhost`)');
  assert.equal(doc.services['app1']?.labels['traefik.http.services.app.loadbalancer.sticky.cookie.secure'], 'false');
});

test('YAML quotes every value, so YAML 1.1 readers (docker-compose v1) keep strings as strings', () => {
  const text = generateCompose(defineTopology({ dashboard: inline }));
  assert.match(text, /^ {6}- "80:80"$/m);
  assert.match(text, /^ {6}traefik\.enable: "true"$/m);
  assert.match(text, /^# Generated by: pe-edge compose generate /m);
});

test('invalid topologies fail with every problem named', () => {
  const table: [TopologyInput, RegExp][] = [
    [{ dashboard: inline, replicas: 0 }, /replicas 0/],
    [{ dashboard: inline, appPort: 70000 }, /appPort 70000/],
    [{ dashboard: inline, domain: 'not a host' }, /domain "not a host"/],
    [{ dashboard: { user: 'admin', passwordHash: '' } }, /no default password/],
    [{ dashboard: { usersFromEnv: '1BAD' } }, /env var "1BAD"/],
    [{ dashboard: inline, replicas: 0, appPort: 0 }, /appPort 0.*replicas 0|replicas 0.*appPort 0/],
  ];
  for (const [input, message] of table) assert.throws(() => defineTopology(input), message);
});

test('composeModel and the label helpers agree', () => {
  const t = defineTopology({ dashboard: inline, replicas: 2 });
  assert.equal(Object.keys(composeModel(t).services).length, 4, 'pe-edge, app1, app2, prometheus');
  assert.equal(appLabels(t)['traefik.http.routers.app.service'], 'app');
});
