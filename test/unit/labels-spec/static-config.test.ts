import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, validateStaticConfig, type ConfigIssue } from '../../../labels-spec/index.js';

// The seed traefik.yml of the product spec, as YAML would load it (`ping:` gives null).
const seedStatic = {
  entryPoints: {
    web: { address: ':80', http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } } } },
    websecure: { address: ':443', http: { tls: { certResolver: 'letsencrypt' } } },
    metrics: { address: ':8082' },
  },
  api: { dashboard: true },
  providers: {
    docker: { endpoint: 'unix:///var/run/docker.sock', exposedByDefault: false, network: 'pixelated-network' },
    file: { filename: '/etc/traefik/dynamic.yml', watch: true },
  },
  certificatesResolvers: {
    letsencrypt: { acme: { email: 'ops@pixelated-empathy.com', storage: '/letsencrypt/acme.json', httpChallenge: { entryPoint: 'web' } } },
  },
  metrics: { prometheus: { entryPoint: 'metrics', addEntryPointsLabels: true, addServicesLabels: true } },
  log: { level: 'INFO', format: 'json' },
  accessLog: { format: 'json' },
  ping: null,
};

const errors = (issues: ConfigIssue[]): ConfigIssue[] => issues.filter((i) => i.severity === 'error');

test('seed static config: no errors, no warnings (the dashboard included)', () => {
  const { config, issues } = validateStaticConfig(seedStatic);
  assert.deepEqual(errors(issues), []);
  assert.deepEqual(issues.map((i) => i.path.join('.')).sort(), []);
  assert.deepEqual(Object.keys(config.entryPoints), ['web', 'websecure', 'metrics']);
  assert.deepEqual(config.entryPoints.web?.http.redirections?.entryPoint?.to, 'websecure');
  assert.equal(config.entryPoints.websecure?.http.tls?.certResolver, 'letsencrypt');
  assert.equal(config.providers.file?.filename, '/etc/traefik/dynamic.yml');
  assert.equal(config.providers.docker?.exposedByDefault, false);
  assert.equal(config.log.level, 'INFO');
  assert.equal(config.accessLog?.format, 'json');
  assert.deepEqual(config.ping, { entryPoint: 'traefik', manualRouting: false, terminatingStatusCode: 503 });
  assert.equal(config.certificatesResolvers?.letsencrypt?.acme?.caServer, 'https://acme-v02.api.letsencrypt.org/directory');
  assert.equal(config.metrics?.prometheus?.addRoutersLabels, false);
});

test('not-implemented message names the key and says it is ignored: ACME keys of later Traefik lines, tailscale', () => {
  const { issues } = validateStaticConfig({
    ...seedStatic,
    certificatesResolvers: {
      le: { acme: { email: 'a@b.c', profile: 'shortlived', clientResponseHeaderTimeout: '10s', httpChallenge: { entryPoint: 'web', delay: '5s' } } },
      ts: { tailscale: {} },
    },
  });
  const warned = issues.filter((i) => i.code === 'PE_NOT_IMPLEMENTED').map((i) => i.message).sort();
  assert.deepEqual(warned, [
    'certificatesResolvers.le.acme.clientResponseHeaderTimeout: not implemented yet in pe-edge; ignored',
    'certificatesResolvers.le.acme.profile: not implemented yet in pe-edge; ignored',
    'certificatesResolvers.ts.tailscale: not implemented yet in pe-edge; ignored',
  ]);
  assert.ok(issues.every((i) => i.severity === 'warning'));
});

test('api: the API and the dashboard (on by default) are implemented; api.debug warns', () => {
  assert.deepEqual(validateStaticConfig({ api: null }).issues, []);
  assert.deepEqual(validateStaticConfig({ api: { dashboard: true } }).issues, []);
  assert.deepEqual(validateStaticConfig({ api: { insecure: true, dashboard: false } }).issues, []);
  const debug = validateStaticConfig({ api: { dashboard: false, debug: true } }).issues;
  assert.deepEqual(debug.map((i) => i.path.join('.')), ['api.debug']);
});

test('metrics: prometheus is implemented, the other backends still warn', () => {
  const { issues } = validateStaticConfig({ metrics: { addInternals: true, prometheus: { manualRouting: true, headerLabels: { tenant: 'X-Tenant' } }, datadog: {}, statsD: {} } });
  assert.deepEqual(issues.map((i) => i.path.join('.')).sort(), ['metrics.datadog', 'metrics.statsD']);
  assert.ok(issues.every((i) => i.code === 'PE_NOT_IMPLEMENTED' && i.severity === 'warning'));
});

test("metrics.prometheus.compatibilityNames (pe-edge's own key): true by default, validated, a typo suggests it", () => {
  assert.equal(validateStaticConfig({ metrics: { prometheus: {} } }).config.metrics?.prometheus?.compatibilityNames, true);
  const off = validateStaticConfig({ metrics: { prometheus: { compatibilityNames: false } } });
  assert.deepEqual(off.issues, []);
  assert.equal(off.config.metrics?.prometheus?.compatibilityNames, false);
  const typo = validateStaticConfig({ metrics: { prometheus: { compatibilityName: false } } });
  assert.ok(typo.issues.some((i) => i.severity === 'error' && i.message.includes('compatibilityNames')), JSON.stringify(typo.issues));
});

const defaults: { desc: string; pick: (c: ReturnType<typeof validateStaticConfig>['config']) => unknown; expect: unknown }[] = [
  { desc: 'default entrypoint http on :80', pick: (c) => Object.keys(c.entryPoints), expect: ['http'] },
  { desc: 'default entrypoint address', pick: (c) => c.entryPoints.http?.address, expect: ':80' },
  { desc: 'readTimeout 60s', pick: (c) => c.entryPoints.http?.transport.respondingTimeouts.readTimeout, expect: 60_000 },
  { desc: 'writeTimeout 0', pick: (c) => c.entryPoints.http?.transport.respondingTimeouts.writeTimeout, expect: 0 },
  { desc: 'idleTimeout 180s', pick: (c) => c.entryPoints.http?.transport.respondingTimeouts.idleTimeout, expect: 180_000 },
  { desc: 'graceTimeOut 10s', pick: (c) => c.entryPoints.http?.transport.lifeCycle.graceTimeOut, expect: 10_000 },
  { desc: 'maxHeaderBytes 1 MiB', pick: (c) => c.entryPoints.http?.http.maxHeaderBytes, expect: 1_048_576 },
  { desc: 'sanitizePath true', pick: (c) => c.entryPoints.http?.http.sanitizePath, expect: true },
  { desc: 'encodedCharacters absent (no escape refused)', pick: (c) => c.entryPoints.http?.http.encodedCharacters, expect: undefined },
  { desc: 'http2 streams 250', pick: (c) => c.entryPoints.http?.http2.maxConcurrentStreams, expect: 250 },
  { desc: 'serversTransport maxIdleConnsPerHost 200', pick: (c) => c.serversTransport.maxIdleConnsPerHost, expect: 200 },
  { desc: 'serversTransport dialTimeout 30s', pick: (c) => c.serversTransport.forwardingTimeouts.dialTimeout, expect: 30_000 },
  { desc: 'serversTransport idleConnTimeout 90s', pick: (c) => c.serversTransport.forwardingTimeouts.idleConnTimeout, expect: 90_000 },
  { desc: 'providersThrottleDuration unset (pe-edge\'s own default, not Traefik\'s 2s)', pick: (c) => c.providers.providersThrottleDuration, expect: undefined },
  { desc: 'log level ERROR', pick: (c) => c.log.level, expect: 'ERROR' },
  { desc: 'defaultRuleSyntax v3', pick: (c) => c.core.defaultRuleSyntax, expect: 'v3' },
  { desc: 'checkNewVersion true', pick: (c) => c.global.checkNewVersion, expect: true },
  { desc: 'ping absent', pick: (c) => c.ping, expect: undefined },
  { desc: 'tcpServersTransport (default@internal for TCP): dialTimeout 30s, dialKeepAlive 15s, terminationDelay 100ms, no tls', pick: (c) => c.tcpServersTransport, expect: { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 100 } },
];

for (const { desc, pick, expect } of defaults) {
  test(`static default: ${desc}`, () => {
    const { config, issues } = validateStaticConfig({});
    assert.deepEqual(issues, []);
    assert.deepEqual(pick(config), expect);
  });
}

const sections: { desc: string; raw: unknown; pick: (c: ReturnType<typeof validateStaticConfig>['config']) => unknown; expect: unknown }[] = [
  { desc: 'ping: {} enables ping', raw: { ping: {} }, pick: (c) => c.ping?.entryPoint, expect: 'traefik' },
  { desc: 'api: null enables the dashboard', raw: { api: null }, pick: (c) => c.api?.dashboard, expect: true },
  { desc: 'encodedCharacters: one option set, the others true (Traefik v3.6.7+)', raw: { entryPoints: { web: { address: ':80', http: { encodedCharacters: { allowEncodedSlash: false } } } } },
    pick: (c) => c.entryPoints.web?.http.encodedCharacters, expect: { allowEncodedSlash: false, allowEncodedBackSlash: true, allowEncodedNullCharacter: true,
      allowEncodedSemicolon: true, allowEncodedPercent: true, allowEncodedQuestionMark: true, allowEncodedHash: true } },
  { desc: 'docker: {} gets its defaults', raw: { providers: { docker: {} } }, pick: (c) => c.providers.docker?.exposedByDefault, expect: true },
  { desc: 'docker default rule', raw: { providers: { docker: null } }, pick: (c) => c.providers.docker?.defaultRule, expect: 'Host(`{{ normalize .Name }}`)' },
  { desc: 'prometheus buckets', raw: { metrics: { prometheus: {} } }, pick: (c) => c.metrics?.prometheus?.buckets, expect: [0.1, 0.3, 1.2, 5] },
  { desc: 'acme keyType', raw: { certificatesResolvers: { le: { acme: {} } } }, pick: (c) => c.certificatesResolvers?.le?.acme?.keyType, expect: 'RSA4096' },
  { desc: 'acme renewSchedule (pe-edge own key) kept', raw: { certificatesResolvers: { le: { acme: { renewSchedule: '0 */6 * * *' } } } }, pick: (c) => c.certificatesResolvers?.le?.acme?.renewSchedule, expect: '0 */6 * * *' },
  { desc: 'acme redisStorage (pe-edge own key): Traefik rateLimit.redis defaults, its own prefix and lease', raw: { certificatesResolvers: { le: { acme: { redisStorage: {} } } } },
    pick: (c) => c.certificatesResolvers?.le?.acme?.redisStorage,
    expect: { endpoints: ['localhost:6379'], username: '', password: '', db: 0, dialTimeout: 5000, readTimeout: 3000, writeTimeout: 3000, keyPrefix: 'pe-edge:acme:', leaseDuration: 60000 } },
  { desc: 'acme clientTimeout / clientResponseHeaderTimeout defaults: 120 s and 30 s (not 120000 s)', raw: { certificatesResolvers: { le: { acme: {} } } },
    pick: (c) => [c.certificatesResolvers?.le?.acme?.clientTimeout, c.certificatesResolvers?.le?.acme?.clientResponseHeaderTimeout], expect: [120_000, 30_000] },
  { desc: 'acme redisStorage with TLS', raw: { certificatesResolvers: { le: { acme: { redisStorage: { endpoints: 'redis:6380', db: '2', tls: { ca: '/ca.pem' }, leaseDuration: '30s' } } } } },
    pick: (c) => { const r = c.certificatesResolvers?.le?.acme?.redisStorage; return [r?.endpoints, r?.db, r?.tls, r?.leaseDuration]; },
    expect: [['redis:6380'], 2, { ca: '/ca.pem', cert: '', key: '', insecureSkipVerify: false }, 30000] },
  { desc: 'acme dnsChallenge.propagation (later Traefik lines) kept', raw: { certificatesResolvers: { le: { acme: { dnsChallenge: { provider: 'ovh', propagation: { delayBeforeChecks: '30s', requireAllRNS: true } } } } } },
    pick: (c) => c.certificatesResolvers?.le?.acme?.dnsChallenge?.propagation, expect: { delayBeforeChecks: 30000, disableChecks: false, requireAllRNS: true, disableANSChecks: false } },
  { desc: 'accessLog minDuration', raw: { accessLog: { filters: { minDuration: '10ms' } } }, pick: (c) => c.accessLog?.filters?.minDuration, expect: 10 },
  { desc: 'redirect defaults', raw: { entryPoints: { web: { address: ':80', http: { redirections: { entryPoint: { to: 'websecure' } } } } } }, pick: (c) => [c.entryPoints.web?.http.redirections?.entryPoint?.scheme, c.entryPoints.web?.http.redirections?.entryPoint?.permanent], expect: ['https', true] },
  { desc: 'duration in bare seconds', raw: { entryPoints: { web: { address: ':80', transport: { respondingTimeouts: { readTimeout: 5 } } } } }, pick: (c) => c.entryPoints.web?.transport.respondingTimeouts.readTimeout, expect: 5000 },
  { desc: 'proxyProtocol', raw: { entryPoints: { web: { address: ':80', proxyProtocol: { trustedIPs: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'] } } } }, pick: (c) => c.entryPoints.web?.proxyProtocol, expect: { insecure: false, trustedIPs: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'] } },
  { desc: 'log level any case', raw: { log: { level: 'debug' } }, pick: (c) => c.log.level, expect: 'DEBUG' },
  { desc: 'a UDP entrypoint: /udp address, udp.timeout 3s by default', raw: { entryPoints: { dns: { address: ':53/udp' } } }, pick: (c) => [c.entryPoints.dns?.address, c.entryPoints.dns?.udp.timeout], expect: [':53/udp', 3000] },
  { desc: 'udp.timeout set', raw: { entryPoints: { dns: { address: ':53/udp', udp: { timeout: '10s' } } } }, pick: (c) => c.entryPoints.dns?.udp.timeout, expect: 10_000 },
  { desc: 'tcpServersTransport with tls', raw: { tcpServersTransport: { dialTimeout: '5s', dialKeepAlive: '-1s', tls: { insecureSkipVerify: true, rootCAs: '/ca.pem' } } },
    pick: (c) => c.tcpServersTransport, expect: { dialTimeout: 5000, dialKeepAlive: -1000, terminationDelay: 100, tls: { insecureSkipVerify: true, rootCAs: ['/ca.pem'] } } },
];

for (const { desc, raw, pick, expect } of sections) {
  test(`static section: ${desc}`, () => {
    const { config, issues } = validateStaticConfig(raw);
    assert.deepEqual(errors(issues), []);
    assert.deepEqual(pick(config), expect);
  });
}

const notImplemented: { desc: string; raw: unknown; paths: string[] }[] = [
  { desc: 'http3', raw: { entryPoints: { web: { address: ':443', http3: {} } } }, paths: ['entryPoints.web.http3'] },
  { desc: 'reusePort (proxyProtocol is implemented)', raw: { entryPoints: { web: { address: ':80', reusePort: true, proxyProtocol: { insecure: true } } } }, paths: ['entryPoints.web.reusePort'] },
  { desc: 'tracing and experimental', raw: { tracing: {}, experimental: { plugins: {} } }, paths: ['tracing', 'experimental'] },
  { desc: 'log rotation', raw: { log: { level: 'INFO', maxSize: 10 } }, paths: ['log.maxSize'] },
  { desc: 'forwardedHeaders.connection', raw: { entryPoints: { web: { address: ':80', forwardedHeaders: { trustedIPs: ['10.0.0.0/8'], connection: ['X-Keep'] } } } }, paths: ['entryPoints.web.forwardedHeaders.connection'] },
  // Keys of Traefik v3.5-v3.7 (pkg/config/static, pkg/observability/types of v3.7.9): known, each warned by name.
  // Implemented since (proven in test/integration/proxy/not-append-xff, underscore-headers, http2-header-tables): no warning.
  { desc: 'v3.7 entryPoint keys are implemented', raw: { entryPoints: { web: { address: ':80', forwardedHeaders: { notAppendXForwardedFor: true }, http: { underscoreHeadersStrategy: 'delete' }, http2: { maxDecoderHeaderTableSize: 4096, maxEncoderHeaderTableSize: 4096 } } } }, paths: [] },
  { desc: 'http2.maxConcurrentStreams is implemented', raw: { entryPoints: { web: { address: ':80', http2: { maxConcurrentStreams: 100, maxEncoderHeaderTableSize: 0 } } } }, paths: [] },
  { desc: 'v3.7 global, api.basePath, ocsp (api.dashboardName is implemented)', raw: { global: { checkNewVersion: false, notAppendXForwardedFor: true }, api: { basePath: '/traefik', dashboardName: 'edge' }, ocsp: {} }, paths: ['global.notAppendXForwardedFor', 'api.basePath', 'ocsp'] },
  { desc: 'OTLP logs and access logs (queryParameters is implemented)', raw: { log: { otlp: { http: { endpoint: 'http://c:4318' } } }, accessLog: { otlp: {}, dualOutput: true, fields: { defaultMode: 'keep', queryParameters: { defaultMode: 'drop' } } } }, paths: ['log.otlp', 'accessLog.otlp', 'accessLog.dualOutput'] },
  { desc: 'v3.6/v3.7 providers (precedence is implemented)', raw: { providers: { knative: {}, kubernetesIngressNGINX: {}, precedence: ['file', 'docker'] } }, paths: ['providers.knative', 'providers.kubernetesIngressNGINX'] },
  { desc: 'acme certificateTimeout (tlsChallenge.delay and httpChallenge.delay are implemented)', raw: { certificatesResolvers: { le: { acme: { email: 'a@b.c', certificateTimeout: '10m', tlsChallenge: { delay: '5s' } } }, he: { acme: { httpChallenge: { entryPoint: 'web', delay: '1s' } } } } }, paths: ['certificatesResolvers.le.acme.certificateTimeout'] },
  { desc: 'implemented keys only', raw: { entryPoints: { web: { address: ':80', asDefault: true, forwardedHeaders: { insecure: true }, http: { middlewares: ['a@file'], maxHeaderBytes: 8192, sanitizePath: false, encodedCharacters: { allowEncodedHash: false } }, transport: { lifeCycle: { graceTimeOut: 1 } } } }, providers: { file: { directory: '/d' }, providersThrottleDuration: '0s' }, ping: {}, core: { defaultRuleSyntax: 'V3' }, serversTransport: { insecureSkipVerify: true }, accessLog: { addInternals: true, bufferingSize: 100, fields: { defaultMode: 'drop' } } }, paths: [] },
];

for (const { desc, raw, paths } of notImplemented) {
  test(`not implemented: ${desc}`, () => {
    const { issues } = validateStaticConfig(raw);
    assert.deepEqual(errors(issues), []);
    assert.deepEqual(issues.map((i) => i.path.join('.')), paths);
    assert.ok(issues.every((i) => i.code === 'PE_NOT_IMPLEMENTED' && i.severity === 'warning'));
  });
}

// Traefik refuses to start such an entrypoint (server_entrypoint_tcp.go): pe-edge names the option.
const badV37EntryPoint: { desc: string; web: Record<string, unknown>; path: string; message: string }[] = [
  { desc: 'unknown underscoreHeadersStrategy', web: { http: { underscoreHeadersStrategy: 'drop' } }, path: 'entryPoints.web.http.underscoreHeadersStrategy', message: 'invalid value "drop"; expected one of "", "keep", "delete", "reject"' },
  { desc: 'negative maxDecoderHeaderTableSize', web: { http2: { maxDecoderHeaderTableSize: -1 } }, path: 'entryPoints.web.http2.maxDecoderHeaderTableSize', message: 'maxDecoderHeaderTableSize must be >= 0' },
  { desc: 'negative maxEncoderHeaderTableSize', web: { http2: { maxEncoderHeaderTableSize: -1 } }, path: 'entryPoints.web.http2.maxEncoderHeaderTableSize', message: 'maxEncoderHeaderTableSize must be >= 0' },
];

for (const { desc, web, path, message } of badV37EntryPoint) {
  test(`static error: ${desc}`, () => {
    const { issues } = validateStaticConfig({ entryPoints: { web: { address: ':80', ...web } } });
    assert.deepEqual(issues.map((i) => [i.severity, i.path.join('.')]), [['error', path]]);
    assert.match(issues[0]?.message ?? '', new RegExp(message));
  });
}

test('core.defaultRuleSyntax v2 is accepted with a deprecation warning', () => {
  const { config, issues } = validateStaticConfig({ core: { defaultRuleSyntax: 'v2' } });
  assert.equal(config.core.defaultRuleSyntax, 'v2');
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [['warning', 'PE_DEPRECATED', 'core.defaultRuleSyntax']]);
});

const enabledByTrue: { desc: string; raw: unknown; pick: (c: ReturnType<typeof validateStaticConfig>['config']) => unknown; expect: unknown }[] = [
  { desc: '--ping=true', raw: { ping: 'true' }, pick: (c) => c.ping?.terminatingStatusCode, expect: 503 },
  { desc: '--providers.docker=true', raw: { providers: { docker: true } }, pick: (c) => c.providers.docker?.watch, expect: true },
  { desc: '--entrypoints.websecure.http.tls=true', raw: { entryPoints: { websecure: { address: ':443', http: { tls: 'true' } } } }, pick: (c) => c.entryPoints.websecure?.http.tls, expect: {} },
];

for (const { desc, raw, pick, expect } of enabledByTrue) {
  test(`a bare true enables a section: ${desc}`, () => {
    const { config, issues } = validateStaticConfig(raw);
    assert.deepEqual(errors(issues), []);
    assert.deepEqual(pick(config), expect);
  });
}

test('an entrypoint warning names the entrypoint as its item', () => {
  const { issues } = validateStaticConfig({ entryPoints: { web: { address: ':80', reusePort: 'true' } } });
  assert.deepEqual(issues[0]?.item, { kind: 'entryPoint', name: 'web' });
});

const staticErrors: { desc: string; raw: unknown; path: string; code: string; text: RegExp }[] = [
  { desc: 'unknown top-level key', raw: { entryPoint: {} }, path: 'entryPoint', code: 'PE_UNKNOWN_KEY', text: /did you mean "entryPoints"\?/ },
  { desc: 'unknown entrypoint key', raw: { entryPoints: { web: { address: ':80', adress: ':81' } } }, path: 'entryPoints.web.adress', code: 'PE_UNKNOWN_KEY', text: /did you mean "address"\?/ },
  { desc: 'missing address', raw: { entryPoints: { web: {} } }, path: 'entryPoints.web.address', code: 'PE_MISSING_FIELD', text: /required/ },
  { desc: 'bad address', raw: { entryPoints: { web: { address: '443' } } }, path: 'entryPoints.web.address', code: 'PE_INVALID_VALUE', text: /\[host\]:port/ },
  { desc: 'bad protocol', raw: { entryPoints: { web: { address: ':53/sctp' } } }, path: 'entryPoints.web.address', code: 'PE_INVALID_VALUE', text: /not tcp or udp/ },
  { desc: 'port out of range', raw: { entryPoints: { web: { address: ':70000' } } }, path: 'entryPoints.web.address', code: 'PE_INVALID_VALUE', text: /out of range/ },
  { desc: 'bad duration', raw: { providers: { providersThrottleDuration: 'soon' } }, path: 'providers.providersThrottleDuration', code: 'PE_INVALID_VALUE', text: /invalid duration "soon"/ },
  { desc: 'bad rule syntax', raw: { core: { defaultRuleSyntax: 'v4' } }, path: 'core.defaultRuleSyntax', code: 'PE_INVALID_VALUE', text: /"v3", "v2"/ },
  { desc: 'unknown docker key', raw: { providers: { docker: { exposedbydefaults: false } } }, path: 'providers.docker.exposedbydefaults', code: 'PE_UNKNOWN_KEY', text: /did you mean "exposedByDefault"\?/ },
  { desc: 'unknown provider', raw: { providers: { dokcer: {} } }, path: 'providers.dokcer', code: 'PE_UNKNOWN_KEY', text: /did you mean "docker"\?/ },
  { desc: 'tcpServersTransport typo', raw: { tcpServersTransport: { dialTimout: '1s' } }, path: 'tcpServersTransport.dialTimout', code: 'PE_UNKNOWN_KEY', text: /did you mean "dialTimeout"\?/ },
  { desc: 'tcpServersTransport.proxyProtocol (dynamic TCP serversTransports only, as in Traefik)', raw: { tcpServersTransport: { proxyProtocol: { version: 2 } } }, path: 'tcpServersTransport.proxyProtocol', code: 'PE_UNKNOWN_KEY', text: /unknown key/ },
  { desc: 'tcpServersTransport.tls.serverName (dynamic TCP serversTransports only, as in Traefik)', raw: { tcpServersTransport: { tls: { serverName: 'db' } } }, path: 'tcpServersTransport.tls.serverName', code: 'PE_UNKNOWN_KEY', text: /unknown key/ },
  { desc: 'acme redisStorage typo', raw: { certificatesResolvers: { le: { acme: { redisStorage: { endpoint: ['redis:6379'] } } } } }, path: 'certificatesResolvers.le.acme.redisStorage.endpoint', code: 'PE_UNKNOWN_KEY', text: /did you mean "endpoints"\?/ },
  { desc: 'acme redisStorage.tls typo', raw: { certificatesResolvers: { le: { acme: { redisStorage: { tls: { insecureSkipVerfy: true } } } } } }, path: 'certificatesResolvers.le.acme.redisStorage.tls.insecureSkipVerfy', code: 'PE_UNKNOWN_KEY', text: /did you mean "insecureSkipVerify"\?/ },
  { desc: 'acme redisStorage with two endpoints', raw: { certificatesResolvers: { le: { acme: { redisStorage: { endpoints: ['a:6379', 'b:6379'] } } } } }, path: 'certificatesResolvers.le.acme.redisStorage.endpoints', code: 'PE_INVALID_VALUE', text: /exactly one Redis endpoint/ },
  { desc: 'acme redisStorage lease under 1s', raw: { certificatesResolvers: { le: { acme: { redisStorage: { leaseDuration: '500ms' } } } } }, path: 'certificatesResolvers.le.acme.redisStorage.leaseDuration', code: 'PE_INVALID_VALUE', text: /at least 1s/ },
  { desc: 'proxyProtocol trusting nobody (Traefik refuses the entrypoint)', raw: { entryPoints: { web: { address: ':80', proxyProtocol: {} } } }, path: 'entryPoints.web.proxyProtocol.trustedIPs', code: 'PE_INVALID_VALUE', text: /trustedIPs .* or insecure: true/ },
  { desc: 'proxyProtocol.trustedIPs entry neither IP nor CIDR', raw: { entryPoints: { web: { address: ':80', proxyProtocol: { trustedIPs: ['10.0.0.0/33'] } } } }, path: 'entryPoints.web.proxyProtocol.trustedIPs', code: 'PE_INVALID_VALUE', text: /IP address or a CIDR/ },
];

for (const { desc, raw, path, code, text } of staticErrors) {
  test(`static error: ${desc}`, () => {
    const { issues } = validateStaticConfig(raw);
    const found = errors(issues);
    assert.equal(found.length, 1, JSON.stringify(issues));
    assert.equal(found[0]?.path.join('.'), path);
    assert.equal(found[0]?.code, code);
    assert.match(found[0]?.message ?? '', text);
    assert.ok(found[0]?.message.startsWith(`${path}: `));
  });
}

test('a broken entrypoint is pruned; the others are kept', () => {
  const { config, issues } = validateStaticConfig({ entryPoints: { web: { address: ':80' }, bad: { address: 'x' } } });
  assert.equal(errors(issues).length, 1);
  assert.deepEqual(Object.keys(config.entryPoints), ['web']);
});

const addresses: { input: string; expect: ReturnType<typeof parseAddress> }[] = [
  { input: ':80', expect: { host: '', port: 80, protocol: 'tcp' } },
  { input: '0.0.0.0:443', expect: { host: '0.0.0.0', port: 443, protocol: 'tcp' } },
  { input: '[::1]:8080', expect: { host: '::1', port: 8080, protocol: 'tcp' } },
  { input: ':53/udp', expect: { host: '', port: 53, protocol: 'udp' } },
  { input: 'localhost:9000/TCP', expect: { host: 'localhost', port: 9000, protocol: 'tcp' } },
];

for (const { input, expect } of addresses) {
  test(`parseAddress ${input}`, () => {
    assert.deepEqual(parseAddress(input), expect);
  });
}

test('serversTransport.spiffe and tcpServersTransport.tls.spiffe are errors (pe-edge does not start), not warnings: ignored, the default transports would trust servers their SPIFFE identities refuse', () => {
  const { issues } = validateStaticConfig({
    serversTransport: { insecureSkipVerify: true, spiffe: { ids: ['spiffe://x'] } },
    tcpServersTransport: { tls: { spiffe: { trustDomain: 'spiffe://td' } } },
  });
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [
    ['error', 'PE_NOT_IMPLEMENTED', 'serversTransport.spiffe'],
    ['error', 'PE_NOT_IMPLEMENTED', 'tcpServersTransport.tls.spiffe'],
  ]);
  assert.match(issues[0]?.message ?? '', /serversTransport\.spiffe: not implemented in pe-edge .*refused rather than trusting/);
});
