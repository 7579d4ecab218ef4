// Golden cases in the style of Traefik's docker config_test.go: container labels in, the full
// validated DynamicConfig (+ label-only server fields) out. Expected configs are written as the
// YAML a user would write, run through validateDynamicConfig so defaults are Traefik's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels, validateDynamicConfig, type DynamicConfig, type ServerLabels } from '../../../../labels-spec/index.js';

function yaml(raw: unknown): DynamicConfig {
  const { config, issues } = validateDynamicConfig(raw);
  assert.deepEqual(issues, [], 'expected config must be valid');
  return config;
}

interface Golden {
  desc: string;
  labels: Record<string, string>;
  config: DynamicConfig;
  servers?: Record<string, ServerLabels>;
  enable?: boolean;
  network?: string;
  declared?: { routers: string[]; services: string[]; middlewares: string[] };
}

const golden: Golden[] = [
  {
    desc: 'loadBalancer strategy and passive health check (v3.4, v3.6)',
    labels: {
      'traefik.http.services.app.loadbalancer.strategy': 'p2c',
      'traefik.http.services.app.loadbalancer.passivehealthcheck.failurewindow': '30s',
      'traefik.http.services.app.loadbalancer.passivehealthcheck.maxfailedattempts': '3',
      'traefik.http.services.app.loadbalancer.healthcheck.unhealthyinterval': '2s',
      'traefik.http.services.app.loadbalancer.healthcheck.path': '/health',
      'traefik.http.services.hashed.loadbalancer.strategy': 'hrw',
      'traefik.http.services.timed.loadbalancer.strategy': 'leasttime',
    },
    config: yaml({ http: { services: {
      app: { loadBalancer: { strategy: 'p2c', passiveHealthCheck: { failureWindow: '30s', maxFailedAttempts: 3 }, healthCheck: { path: '/health', unhealthyInterval: '2s' } } },
      hashed: { loadBalancer: { strategy: 'hrw' } },
      timed: { loadBalancer: { strategy: 'leasttime' } },
    } } }),
    declared: { routers: [], services: ['app', 'hashed', 'timed'], middlewares: [] },
  },
  { desc: 'enable only', labels: { 'traefik.enable': 'true' }, config: yaml({}), enable: true },
  { desc: 'Go ParseBool spellings for enable', labels: { 'traefik.enable': 'F' }, config: yaml({}), enable: false },
  { desc: 'labels of other tools are ignored', labels: { 'com.docker.compose.project': 'demo', traefikx: 'y' }, config: yaml({}) },
  {
    desc: 'router rule and entrypoints list (comma-separated, trimmed)',
    labels: { 'traefik.http.routers.web.rule': 'Host(`a.example.com`)', 'traefik.http.routers.web.entrypoints': 'web, websecure' },
    config: yaml({ http: { routers: { web: { rule: 'Host(`a.example.com`)', entryPoints: ['web', 'websecure'] } } } }),
    declared: { routers: ['web'], services: [], middlewares: [] },
  },
  {
    desc: 'router with middlewares, service, priority, tls certresolver',
    labels: {
      'traefik.http.routers.api.rule': 'Host(`api`)',
      'traefik.http.routers.api.middlewares': 'auth@file, ratelimit',
      'traefik.http.routers.api.service': 'api-svc',
      'traefik.http.routers.api.priority': '42',
      'traefik.http.routers.api.tls.certresolver': 'le',
    },
    config: yaml({ http: { routers: { api: { rule: 'Host(`api`)', middlewares: ['auth@file', 'ratelimit'], service: 'api-svc', priority: 42, tls: { certResolver: 'le' } } } } }),
  },
  {
    desc: 'service port, scheme and weight go to servers; the service gets loadBalancer defaults',
    labels: {
      'traefik.http.services.app.loadbalancer.server.port': '8080',
      'traefik.http.services.app.loadbalancer.server.scheme': 'https',
      'traefik.http.services.app.loadbalancer.server.weight': '3',
      'traefik.http.services.app.loadbalancer.passhostheader': 'false',
    },
    config: yaml({ http: { services: { app: { loadBalancer: { passHostHeader: false } } } } }),
    servers: { app: { port: 8080, scheme: 'https', weight: 3 } },
    declared: { routers: [], services: ['app'], middlewares: [] },
  },
  {
    desc: 'server url (Traefik v3.4)',
    labels: { 'traefik.http.services.ext.loadbalancer.server.url': 'http://10.0.0.5:8080' },
    config: yaml({ http: { services: { ext: { loadBalancer: {} } } } }),
    servers: { ext: { url: 'http://10.0.0.5:8080' } },
  },
  {
    desc: 'headers middleware with maps keeps the header name case',
    labels: {
      'traefik.http.middlewares.hdr.headers.customrequestheaders.X-Foo': 'bar',
      'traefik.http.middlewares.hdr.headers.customresponseheaders.X-Robots-Tag': 'noindex',
      'traefik.http.middlewares.hdr.headers.stsseconds': '31536000',
      'traefik.http.middlewares.hdr.headers.accesscontrolallowmethods': 'GET,POST',
    },
    config: yaml({
      http: {
        middlewares: {
          hdr: { headers: { customRequestHeaders: { 'X-Foo': 'bar' }, customResponseHeaders: { 'X-Robots-Tag': 'noindex' }, stsSeconds: 31536000, accessControlAllowMethods: ['GET', 'POST'] } },
        },
      },
    }),
  },
  {
    desc: 'basicauth users with $ (the value after compose turned $$ into $)',
    labels: { 'traefik.http.middlewares.auth.basicauth.users': 'u:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/,v:$apr1$x$y' },
    config: yaml({ http: { middlewares: { auth: { basicAuth: { users: ['u:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/', 'v:$apr1$x$y'] } } } } }),
  },
  {
    desc: 'tls.domains indexed list, sparse indexes packed in order',
    labels: {
      'traefik.http.routers.s.rule': 'Host(`a.com`)',
      'traefik.http.routers.s.tls.domains[0].main': 'a.com',
      'traefik.http.routers.s.tls.domains[0].sans': 'www.a.com, api.a.com',
      'traefik.http.routers.s.tls.domains[10].main': 'c.com',
      'traefik.http.routers.s.tls.domains[2].main': 'b.com',
    },
    config: yaml({ http: { routers: { s: { rule: 'Host(`a.com`)', tls: { domains: [{ main: 'a.com', sans: ['www.a.com', 'api.a.com'] }, { main: 'b.com' }, { main: 'c.com' }] } } } } }),
  },
  {
    desc: 'segments after the root match case-insensitively; names keep their case',
    labels: { 'traefik.http.Routers.Web.Rule': 'Host(`x`)', 'traefik.HTTP.routers.Web.EntryPoints': 'web' },
    config: yaml({ http: { routers: { Web: { rule: 'Host(`x`)', entryPoints: ['web'] } } } }),
  },
  {
    desc: '=true enables empty sections, =false leaves them out',
    labels: {
      'traefik.http.routers.r.rule': 'Host(`r`)',
      'traefik.http.routers.r.tls': 'true',
      'traefik.http.services.s.loadbalancer.sticky.cookie': 'true',
      'traefik.http.services.s.loadbalancer.healthcheck': 'false',
      'traefik.http.middlewares.c.compress': 'true',
      'traefik.http.middlewares.ct.contenttype': 'true',
    },
    config: yaml({ http: { routers: { r: { rule: 'Host(`r`)', tls: {} } }, services: { s: { loadBalancer: { sticky: { cookie: {} } } } }, middlewares: { c: { compress: {} }, ct: { contentType: {} } } } }),
  },
  {
    desc: 'ratelimit and redirectscheme with durations and ints from strings',
    labels: {
      'traefik.http.middlewares.rl.ratelimit.average': '100',
      'traefik.http.middlewares.rl.ratelimit.period': '1m',
      'traefik.http.middlewares.rl.ratelimit.burst': '50',
      'traefik.http.middlewares.https.redirectscheme.scheme': 'https',
      'traefik.http.middlewares.https.redirectscheme.permanent': 'true',
    },
    config: yaml({ http: { middlewares: { rl: { rateLimit: { average: 100, period: '1m', burst: 50 } }, https: { redirectScheme: { scheme: 'https', permanent: true } } } } }),
  },
  {
    desc: 'healthcheck with a header map and sticky cookie options',
    labels: {
      'traefik.http.services.app.loadbalancer.healthcheck.path': '/health',
      'traefik.http.services.app.loadbalancer.healthcheck.interval': '10s',
      'traefik.http.services.app.loadbalancer.healthcheck.headers.X-Probe': '1',
      'traefik.http.services.app.loadbalancer.sticky.cookie.name': 'pe_session',
      'traefik.http.services.app.loadbalancer.sticky.cookie.httponly': 'true',
    },
    config: yaml({
      http: { services: { app: { loadBalancer: { healthCheck: { path: '/health', interval: '10s', headers: { 'X-Probe': '1' } }, sticky: { cookie: { name: 'pe_session', httpOnly: true } } } } } },
    }),
  },
  {
    desc: 'default TLS store generated cert',
    labels: { 'traefik.tls.stores.default.defaultgeneratedcert.resolver': 'le', 'traefik.tls.stores.default.defaultgeneratedcert.domain.main': 'example.com' },
    config: yaml({ tls: { stores: { default: { defaultGeneratedCert: { resolver: 'le', domain: { main: 'example.com' } } } } } }),
  },
  {
    desc: 'traefik.docker.network',
    labels: { 'traefik.docker.network': 'proxy' },
    config: yaml({}),
    network: 'proxy',
  },
];

for (const c of golden) {
  test(`decode: ${c.desc}`, () => {
    const result = decodeLabels(c.labels);
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.config, c.config);
    assert.deepEqual(result.servers, c.servers ?? {});
    assert.equal(result.enable, c.enable);
    assert.equal(result.network, c.network);
    if (c.declared !== undefined) assert.deepEqual(result.declared, c.declared);
  });
}

test('decode: a router without rule comes out with rule "" for the provider, or with options.defaultRule', () => {
  const labels = { 'traefik.http.routers.web.entrypoints': 'websecure', 'traefik.http.routers.web.tls.certresolver': 'le' };
  const plain = decodeLabels(labels);
  assert.deepEqual(plain.issues, []);
  assert.equal(plain.config.http.routers['web']?.rule, '');
  assert.deepEqual(plain.routersWithoutRule, ['web']);
  const filled = decodeLabels(labels, { defaultRule: 'Host(`whoami-demo`)' });
  assert.equal(filled.config.http.routers['web']?.rule, 'Host(`whoami-demo`)');
  assert.deepEqual(filled.config.http.routers['web']?.entryPoints, ['websecure']);
});

test('decode: tcp and udp labels decode into the validated TCP and UDP sections, the servers\' ports kept apart as for HTTP', () => {
  const result = decodeLabels({
    'traefik.tcp.routers.db.rule': 'HostSNI(`*`)',
    'traefik.tcp.routers.db.entrypoints': 'pg',
    'traefik.tcp.services.db.loadbalancer.server.port': '5432',
    'traefik.udp.services.dns.loadbalancer.server.port': '53',
  });
  assert.deepEqual(result.issues.filter((i) => i.code !== 'PE_NOT_IMPLEMENTED'), []);
  assert.deepEqual(result.config.tcp, { routers: { db: { rule: 'HostSNI(`*`)', entryPoints: ['pg'] } }, services: { db: { loadBalancer: { servers: [] } } }, middlewares: {}, serversTransports: {} });
  assert.deepEqual(result.config.udp, { routers: {}, services: { dns: { loadBalancer: { servers: [] } } } });
  assert.deepEqual(result.tcpServers, { db: { port: 5432 } });
  assert.deepEqual(result.udpServers, { dns: { port: 53 } });
  assert.deepEqual(result.config.http, yaml({}).http);
});

test('decode: traefik.docker.lbswarm is accepted with a swarm-only warning', () => {
  const result = decodeLabels({ 'traefik.docker.lbswarm': 'true' });
  assert.deepEqual(result.issues.map((i) => [i.severity, i.message]), [['warning', 'label "traefik.docker.lbswarm": applies to Docker Swarm only; ignored by pe-edge\'s Docker provider (the Swarm provider reads traefik.swarm.lbswarm)']]);
});

test('label lists are split on "," and each item trimmed as Go\'s strings.TrimSpace trims (paerser): NEL trimmed, a byte order mark kept', () => {
  const { config, issues } = decodeLabels({
    'traefik.http.routers.r.rule': 'Host(`a.test`)',
    'traefik.http.routers.r.entrypoints': 'web,\u0085websecure\u0085',
    'traefik.http.routers.r.middlewares': 'auth, \ufeffstrip',
    'traefik.http.middlewares.strip.stripprefix.prefixes': '/api\u0085, /v1',
  });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(config.http.routers.r?.entryPoints, ['web', 'websecure']);
  assert.deepEqual(config.http.routers.r?.middlewares, ['auth', '\ufeffstrip'], 'Traefik would look for a middleware named "\\ufeffstrip"');
  const strip = config.http.middlewares.strip;
  assert.ok(strip !== undefined && 'stripPrefix' in strip);
  assert.deepEqual(strip.stripPrefix.prefixes, ['/api', '/v1']);
});
