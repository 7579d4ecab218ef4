import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig, type LoadBalancer, type Service } from '../../../labels-spec/index.js';

// The seed dynamic.yml of the product spec.
const seedDynamic = {
  http: {
    middlewares: {
      'rate-limit': { rateLimit: { average: 100, period: '1m', burst: 50 } },
      'security-headers': {
        headers: {
          stsSeconds: 31536000,
          stsIncludeSubdomains: true,
          stsPreload: true,
          forceSTSHeader: true,
          frameDeny: true,
          contentTypeNosniff: true,
          browserXssFilter: true,
          contentSecurityPolicy: "default-src 'self'",
          referrerPolicy: 'strict-origin-when-cross-origin',
          customResponseHeaders: { 'X-Robots-Tag': 'noindex', Server: '' },
        },
      },
      compression: { compress: {} },
      'circuit-breaker': { circuitBreaker: { expression: 'NetworkErrorRatio() > 0.30' } },
      retry: { retry: { attempts: 3, initialInterval: '100ms' } },
    },
    services: {
      'app-service': {
        loadBalancer: {
          servers: [{ url: 'http://app1:3000' }, { url: 'http://app2:3000' }, { url: 'http://app3:3000' }],
          healthCheck: { path: '/health', interval: '30s', timeout: '5s' },
          sticky: { cookie: { name: 'pe_session', secure: true, httpOnly: true } },
        },
      },
    },
    routers: {
      app: {
        rule: 'Host(`pixelated-empathy.com`)',
        entryPoints: ['websecure'],
        service: 'app-service',
        middlewares: ['rate-limit', 'security-headers', 'compression', 'circuit-breaker', 'retry'],
        tls: { certResolver: 'letsencrypt' },
      },
    },
  },
};

function loadBalancerOf(service: Service | undefined): LoadBalancer {
  assert.ok(service !== undefined && 'loadBalancer' in service, 'expected a loadBalancer service');
  return service.loadBalancer;
}

test('seed dynamic config validates without issues', () => {
  const { config, issues } = validateDynamicConfig(seedDynamic);
  assert.deepEqual(issues, []);
  assert.deepEqual(Object.keys(config.http.middlewares), ['rate-limit', 'security-headers', 'compression', 'circuit-breaker', 'retry']);
  assert.deepEqual(config.http.routers.app, seedDynamic.http.routers.app);
  assert.deepEqual(config.http.middlewares['rate-limit'], { rateLimit: { average: 100, period: 60_000, burst: 50 } });
  assert.deepEqual(config.http.middlewares.retry, { retry: { attempts: 3, initialInterval: 100 } });
  assert.deepEqual(config.http.middlewares['circuit-breaker'], {
    circuitBreaker: { expression: 'NetworkErrorRatio() > 0.30', checkPeriod: 100, fallbackDuration: 10_000, recoveryDuration: 10_000, responseCode: 503 },
  });
  const lb = loadBalancerOf(config.http.services['app-service']);
  assert.deepEqual(lb.servers.map((s) => s.url), ['http://app1:3000', 'http://app2:3000', 'http://app3:3000']);
  assert.equal(lb.sticky?.cookie?.name, 'pe_session');
});

test('loadBalancer defaults', () => {
  const { config } = validateDynamicConfig(seedDynamic);
  const lb = loadBalancerOf(config.http.services['app-service']);
  assert.equal(lb.passHostHeader, true);
  assert.equal(lb.servers[0]?.weight, 1);
  assert.equal(lb.servers[0]?.preservePath, false);
  assert.equal(lb.responseForwarding.flushInterval, 100);
  assert.equal(lb.strategy, 'wrr');
  assert.deepEqual(lb.healthCheck, { path: '/health', mode: 'http', interval: 30_000, timeout: 5_000, headers: {}, followRedirects: true, method: '', status: 0 });
  assert.deepEqual(lb.sticky?.cookie, { name: 'pe_session', secure: true, httpOnly: true, sameSite: '', maxAge: 0, path: '/' });
});

test('healthCheck: {} gets interval 30s and timeout 5s; non-positive values fall back', () => {
  const { config, issues } = validateDynamicConfig({
    http: { services: { a: { loadBalancer: { healthCheck: {} } }, b: { loadBalancer: { healthCheck: { interval: 0, timeout: '-1s' } } } } },
  });
  assert.deepEqual(issues, []);
  for (const name of ['a', 'b']) {
    const hc = loadBalancerOf(config.http.services[name]).healthCheck;
    assert.equal(hc?.interval, 30_000);
    assert.equal(hc?.timeout, 5_000);
  }
});

test('flushInterval as a bare number means seconds', () => {
  const { config } = validateDynamicConfig({ http: { services: { s: { loadBalancer: { responseForwarding: { flushInterval: 1 } } } } } });
  assert.equal(loadBalancerOf(config.http.services.s).responseForwarding.flushInterval, 1000);
});

test('one bad router and one good router: the good one is kept, the bad one reported by name', () => {
  const { config, issues } = validateDynamicConfig({
    http: { routers: { good: { rule: 'Host(`a`)', service: 'app' }, web: { rulle: 'Host(`b`)', service: 'app' } } },
  });
  assert.deepEqual(Object.keys(config.http.routers), ['good']);
  const unknown = issues.find((i) => i.code === 'PE_UNKNOWN_KEY');
  assert.deepEqual(unknown?.path, ['http', 'routers', 'web', 'rulle']);
  assert.deepEqual(unknown?.item, { kind: 'router', name: 'web' });
  assert.equal(unknown?.suggestion, 'rule');
  assert.equal(unknown?.message, 'http.routers.web.rulle: unknown key; did you mean "rule"?');
  assert.ok(issues.every((i) => i.item?.name === 'web' && i.severity === 'error'));
});

test('isolation holds across sections: a bad service does not drop routers or middlewares', () => {
  const { config, issues } = validateDynamicConfig({
    http: {
      routers: { r: { rule: 'Path(`/`)', service: 's' } },
      services: { s: { loadBalancer: { servers: [{ url: 'http://a:1' }] } }, broken: { loadBalancer: { servers: [{ url: 'not a url' }] } } },
      middlewares: { m: { stripPrefix: { prefixes: ['/api'] } }, broken: { retry: { attempts: 0 } } },
    },
  });
  assert.deepEqual(Object.keys(config.http.routers), ['r']);
  assert.deepEqual(Object.keys(config.http.services), ['s']);
  assert.deepEqual(Object.keys(config.http.middlewares), ['m']);
  assert.deepEqual(issues.map((i) => [i.item?.kind, i.item?.name, i.path.join('.')]), [
    ['service', 'broken', 'http.services.broken.loadBalancer.servers.0.url'],
    ['middleware', 'broken', 'http.middlewares.broken.retry.attempts'],
  ]);
});

test('router without rule is an error; without service it is allowed', () => {
  const { config, issues } = validateDynamicConfig({ http: { routers: { norule: { service: 's' }, noservice: { rule: 'Path(`/`)' }, empty: { rule: '  ' } } } });
  assert.deepEqual(Object.keys(config.http.routers), ['noservice']);
  assert.deepEqual(issues.map((i) => [i.code, i.path.join('.')]), [
    ['PE_MISSING_FIELD', 'http.routers.norule.rule'],
    ['PE_INVALID_VALUE', 'http.routers.empty.rule'],
  ]);
});

const serviceErrors: { desc: string; service: unknown; code: string; text: RegExp }[] = [
  { desc: 'two types', service: { loadBalancer: {}, weighted: {} }, code: 'PE_MULTI_TYPE', text: /more than one type \(loadBalancer, weighted\)/ },
  { desc: 'no type', service: {}, code: 'PE_NO_TYPE', text: /has no type; add one of: loadBalancer, weighted, mirroring, failover, highestRandomWeight/ },
  { desc: 'type typo', service: { loadbalancr: {} }, code: 'PE_UNKNOWN_KEY', text: /did you mean "loadBalancer"\?/ },
  { desc: 'bad scheme', service: { loadBalancer: { servers: [{ url: 'ftp://a:21' }] } }, code: 'PE_INVALID_VALUE', text: /use http, https or h2c/ },
  { desc: 'bad strategy', service: { loadBalancer: { strategy: 'random' } }, code: 'PE_INVALID_VALUE', text: /"wrr", "p2c"/ },
  { desc: 'mirror percent', service: { mirroring: { service: 'a', mirrors: [{ name: 'b', percent: 150 }] } }, code: 'PE_INVALID_VALUE', text: /between 0 and 100/ },
  { desc: 'failover without fallback', service: { failover: { service: 'a' } }, code: 'PE_MISSING_FIELD', text: /fallback: required/ },
];

for (const { desc, service, code, text } of serviceErrors) {
  test(`service error: ${desc}`, () => {
    const { config, issues } = validateDynamicConfig({ http: { services: { s: service } } });
    assert.deepEqual(config.http.services, {});
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.code, code);
    assert.match(issues[0]?.message ?? '', text);
    assert.deepEqual(issues[0]?.item, { kind: 'service', name: 's' });
  });
}

test('weighted, mirroring and failover services get their defaults', () => {
  const { config, issues } = validateDynamicConfig({
    http: {
      services: {
        w: { weighted: { services: [{ name: 'a' }, { name: 'b', weight: 3 }], healthCheck: {} } },
        m: { mirroring: { service: 'a', mirrors: [{ name: 'b', percent: 10 }] } },
        f: { failover: { service: 'a', fallback: 'b' } },
      },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.services.w, { weighted: { services: [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }], healthCheck: {} } });
  assert.deepEqual(config.http.services.m, { mirroring: { service: 'a', mirrors: [{ name: 'b', percent: 10 }], mirrorBody: true, maxBodySize: -1 } });
  assert.deepEqual(config.http.services.f, { failover: { service: 'a', fallback: 'b' } });
});

test('unknown top-level and section keys are errors with a suggestion, and that part is skipped', () => {
  const { config, issues } = validateDynamicConfig({
    htp: { routers: { r: { rule: 'Path(`/`)' } } },
    http: { routes: { r: { rule: 'Path(`/`)' } }, services: { s: { loadBalancer: {} } } },
  });
  assert.deepEqual(config.http.routers, {});
  assert.deepEqual(Object.keys(config.http.services), ['s']);
  assert.deepEqual(issues.map((i) => [i.path.join('.'), i.suggestion]), [
    ['htp', 'http'],
    ['http.routes', 'routers'],
  ]);
  assert.match(issues[1]?.message ?? '', /^http\.routes: unknown key; did you mean "routers"\?/);
});

test('null or undefined gives an empty config with every map present', () => {
  for (const raw of [null, undefined, {}]) {
    const { config, issues } = validateDynamicConfig(raw);
    assert.deepEqual(issues, []);
    assert.deepEqual(config, {
      http: { routers: {}, services: {}, middlewares: {}, serversTransports: {} },
      tls: { certificates: [], options: {}, stores: {} },
      tcp: { routers: {}, services: {}, middlewares: {}, serversTransports: {} },
      udp: { routers: {}, services: {} },
    });
  }
});

test('tcp and udp sections are validated with Traefik\'s defaults; a bad item is left out with its error, the rest kept', () => {
  const tcp = {
    routers: { db: { rule: 'HostSNI(`*`)', service: 'pg' }, cache: { rule: 'HostSNI(`*`)', tls: {} }, bad: { rule: 'HostSNI(`*`)', servce: 'pg' } },
    services: { pg: { loadBalancer: { servers: [{ address: '10.0.0.5:5432' }] } }, split: { weighted: { services: [{ name: 'pg' }] } } },
    serversTransports: { t: {} },
  };
  const { config, issues } = validateDynamicConfig({ tcp, udp: null });
  assert.deepEqual(config.tcp, {
    routers: { db: { rule: 'HostSNI(`*`)', service: 'pg' }, cache: { rule: 'HostSNI(`*`)', tls: { passthrough: false } } },
    services: { pg: { loadBalancer: { servers: [{ address: '10.0.0.5:5432', tls: false }] } }, split: { weighted: { services: [{ name: 'pg', weight: 1 }] } } },
    middlewares: {},
    serversTransports: { t: { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 100 } },
  });
  assert.deepEqual(config.udp, { routers: {}, services: {} });
  const errors = issues.filter((i) => i.severity === 'error');
  assert.deepEqual(errors.map((i) => [i.path.join('.'), i.suggestion, i.item]), [['tcp.routers.bad.servce', 'service', { kind: 'tcpRouter', name: 'bad' }]]);
  assert.match(errors[0]?.message ?? '', /^tcp\.routers\.bad\.servce: unknown key; did you mean "service"\?/);
});

test('router tls: {} is kept (presence makes the router HTTPS-only)', () => {
  const { config } = validateDynamicConfig({ http: { routers: { r: { rule: 'Path(`/`)', tls: null }, s: { rule: 'Path(`/`)', tls: { domains: [{ main: 'a.com', sans: 'b.com,c.com' }] } } } } });
  assert.deepEqual(config.http.routers.r?.tls, {});
  assert.deepEqual(config.http.routers.s?.tls, { domains: [{ main: 'a.com', sans: ['b.com', 'c.com'] }] });
});

test('label-style router tls=true and compress=true', () => {
  const { config, issues } = validateDynamicConfig({
    http: { routers: { r: { rule: 'Path(`/`)', tls: 'true' } }, middlewares: { c: { compress: 'true' } } },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.routers.r?.tls, {});
  assert.ok(config.http.middlewares.c !== undefined && 'compress' in config.http.middlewares.c);
});

test('router ruleSyntax v2 is kept with a deprecation warning', () => {
  const { config, issues } = validateDynamicConfig({ http: { routers: { r: { rule: 'PathPrefix(`/`)', ruleSyntax: 'v2' } } } });
  assert.equal(config.http.routers.r?.ruleSyntax, 'v2');
  assert.deepEqual(issues.map((i) => [i.code, i.path.join('.'), i.item?.name]), [['PE_DEPRECATED', 'http.routers.r.ruleSyntax', 'r']]);
});

test('serversTransports get the dynamic defaults (maxIdleConnsPerHost 0, dialTimeout 30s)', () => {
  const { config, issues } = validateDynamicConfig({ http: { serversTransports: { st: { insecureSkipVerify: true } } } });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.serversTransports.st, {
    insecureSkipVerify: true,
    rootCAs: [],
    certificates: [],
    maxIdleConnsPerHost: 0,
    maxConnsPerHost: 0,
    forwardingTimeouts: { dialTimeout: 30_000, responseHeaderTimeout: 0, idleConnTimeout: 90_000, readIdleTimeout: 0, pingTimeout: 15_000 },
    disableHTTP2: false,
  });
});

test('serversTransports: HTTP/2 and peerCertURI options load silently; spiffe is an error by name and leaves its transport out', () => {
  const { config, issues } = validateDynamicConfig({ http: { serversTransports: {
    h2: { disableHTTP2: true, peerCertURI: 'spiffe://edge/backend', forwardingTimeouts: { readIdleTimeout: '10s', pingTimeout: '2s' } },
    mtls: { certificates: [{ certFile: '/c.pem', keyFile: '/k.pem' }], spiffe: { ids: ['spiffe://x'] } },
  } } });
  assert.equal(config.http.serversTransports.h2?.forwardingTimeouts.readIdleTimeout, 10_000);
  assert.equal(config.http.serversTransports.h2?.forwardingTimeouts.pingTimeout, 2_000);
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [
    ['error', 'PE_NOT_IMPLEMENTED', 'http.serversTransports.mtls.spiffe'],
  ]);
  assert.equal(config.http.serversTransports.mtls, undefined);
});

// Keys of Traefik v3.6/v3.7's pkg/config/dynamic (read at v3.7.9): every one is known by name, never "unknown key".
test('v3.7 http.models, which pe-edge ignores safely, is warned by name', () => {
  const { issues } = validateDynamicConfig({ http: { models: { 'web@internal': { middlewares: ['a'] } } } });
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [
    ['warning', 'PE_NOT_IMPLEMENTED', 'http.models'],
  ]);
});

test('serversTransports v3.7 TLS versions and cipher suites load silently; unknown names and inverted versions leave the transport out, naming the key', () => {
  const { config, issues } = validateDynamicConfig({ http: { serversTransports: {
    ok: { minVersion: 'VersionTLS12', maxVersion: 'VersionTLS13', cipherSuites: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256' },
    minOnly: { minVersion: 'VersionTLS13' },
    badMin: { minVersion: 'VersionTLS09' },
    badCipher: { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA385'] },
    inverted: { minVersion: 'VersionTLS13', maxVersion: 'VersionTLS12' },
  } } });
  assert.deepEqual(config.http.serversTransports.ok?.cipherSuites, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256']);
  assert.deepEqual(Object.keys(config.http.serversTransports), ['ok', 'minOnly']);
  assert.deepEqual(issues.map((i) => [i.severity, i.path.join('.')]), [
    ['error', 'http.serversTransports.badMin.minVersion'],
    ['error', 'http.serversTransports.badCipher.cipherSuites.0'],
    ['error', 'http.serversTransports.inverted.minVersion'],
  ]);
  assert.match(issues[0]?.message ?? '', /invalid TLS minimum version: VersionTLS09; valid values are VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13$/);
  assert.match(issues[1]?.message ?? '', /invalid CipherSuite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA385; valid values are TLS_RSA_WITH_RC4_128_SHA, /);
  assert.match(issues[2]?.message ?? '', /TLS minimum version VersionTLS13 is above the maximum version VersionTLS12$/);
});

test('v3.6 highestRandomWeight and v3.7 failover.errors load without a warning, with Traefik\'s defaults; a bad status range names the option', () => {
  const { config, issues } = validateDynamicConfig({
    http: {
      services: {
        app: { loadBalancer: { servers: [{ url: 'http://a:80' }] } },
        spare: { loadBalancer: { servers: [{ url: 'http://b:80' }] } },
        main: { failover: { service: 'app', fallback: 'spare', errors: { status: ['500-599'] } } },
        spread: { highestRandomWeight: { services: [{ name: 'app' }, { name: 'spare', weight: 3 }], healthCheck: {} } },
        typo: { failover: { service: 'app', fallback: 'spare', errors: { status: ['5xx'] } } },
      },
    },
  });
  assert.deepEqual(config.http.services.main, { failover: { service: 'app', fallback: 'spare', errors: { status: ['500-599'], maxRequestBodyBytes: -1 } } });
  assert.deepEqual(config.http.services.spread, { highestRandomWeight: { services: [{ name: 'app', weight: 1 }, { name: 'spare', weight: 3 }], healthCheck: {} } });
  assert.equal(config.http.services.typo, undefined);
  assert.deepEqual(issues.map((i) => [i.severity, i.path.join('.')]), [['error', 'http.services.typo.failover.errors.status.0']]);
  assert.match(issues[0]?.message ?? '', /status must be a code \("500"\) or an inclusive range/);
});

test('v3.7 service middlewares and v3.6 router parentRefs are read: lists beside the service type and on the router', () => {
  const { config, issues } = validateDynamicConfig({
    http: {
      routers: { child: { rule: 'Path(`/a`)', service: 'app', parentRefs: ['parent', 'other@file'] }, parent: { rule: 'PathPrefix(`/`)' } },
      services: { app: { Middlewares: 'auth, compress@file', loadBalancer: { servers: [{ url: 'http://a:80' }] } } },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.routers.child?.parentRefs, ['parent', 'other@file']);
  const app = config.http.services.app;
  assert.deepEqual(app?.middlewares, ['auth', 'compress@file']);
  assert.ok(app !== undefined && 'loadBalancer' in app, 'the type is kept beside them');
  const onlyMiddlewares = validateDynamicConfig({ http: { services: { bare: { middlewares: ['auth'] }, typo: { middlewares: ['a'], loadBalancr: {} } } } });
  assert.deepEqual(Object.keys(onlyMiddlewares.config.http.services), []);
  assert.deepEqual(onlyMiddlewares.issues.map((i) => [i.path.join('.'), i.message]), [
    ['http.services.bare', 'http.services.bare: service has no type; add one of: loadBalancer, weighted, mirroring, failover, highestRandomWeight'],
    ['http.services.typo.loadBalancr', 'http.services.typo.loadBalancr: unknown key; did you mean "loadBalancer"?'],
  ]);
});

test('a TCP serversTransport with tls.spiffe is an error by name and is left out, as an HTTP one', () => {
  const { config, issues } = validateDynamicConfig({ tcp: { serversTransports: {
    plain: { dialTimeout: '5s' },
    sv: { tls: { insecureSkipVerify: true, spiffe: { ids: ['spiffe://x'] } } },
  } } });
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [
    ['error', 'PE_NOT_IMPLEMENTED', 'tcp.serversTransports.sv.tls.spiffe'],
  ]);
  assert.equal(config.tcp.serversTransports.sv, undefined);
  assert.notEqual(config.tcp.serversTransports.plain, undefined);
});
