import { test } from 'node:test';
import assert from 'node:assert/strict';
import { middlewareTypes, validateDynamicConfig, type Middleware } from '../../../labels-spec/index.js';

function one(middleware: unknown): { value: Middleware | undefined; issues: ReturnType<typeof validateDynamicConfig>['issues'] } {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { m: middleware } } });
  return { value: config.http.middlewares.m, issues };
}

// Traefik's defaults for options left out.
const defaults: { desc: string; input: unknown; expect: Middleware }[] = [
  { desc: 'addPrefix', input: { addPrefix: { prefix: '/api' } }, expect: { addPrefix: { prefix: '/api' } } },
  { desc: 'basicAuth', input: { basicAuth: { users: 'u:$apr1$x$y' } }, expect: { basicAuth: { users: ['u:$apr1$x$y'], usersFile: '', realm: 'traefik', headerField: '', removeHeader: false } } },
  { desc: 'digestAuth', input: { digestAuth: { users: ['u:traefik:abc'] } }, expect: { digestAuth: { users: ['u:traefik:abc'], usersFile: '', realm: 'traefik', headerField: '', removeHeader: false } } },
  { desc: 'buffering (code defaults: 0)', input: { buffering: {} }, expect: { buffering: { maxRequestBodyBytes: 0, memRequestBodyBytes: 0, maxResponseBodyBytes: 0, memResponseBodyBytes: 0, retryExpression: '' } } },
  { desc: 'chain', input: { chain: { middlewares: 'a,b' } }, expect: { chain: { middlewares: ['a', 'b'] } } },
  { desc: 'compress', input: { compress: null }, expect: { compress: { excludedContentTypes: [], includedContentTypes: [], minResponseBodyBytes: 1024, encodings: ['zstd', 'br', 'gzip'], defaultEncoding: '' } } },
  { desc: 'compress from a label "=true"', input: { compress: 'true' }, expect: { compress: { excludedContentTypes: [], includedContentTypes: [], minResponseBodyBytes: 1024, encodings: ['zstd', 'br', 'gzip'], defaultEncoding: '' } } },
  { desc: 'contentType', input: { contentType: {} }, expect: { contentType: {} } },
  { desc: 'errors', input: { errors: { status: '500-599,404', service: 'err' } }, expect: { errors: { status: ['500-599', '404'], service: 'err', query: '' } } },
  { desc: 'grpcWeb', input: { grpcWeb: { allowOrigins: '*' } }, expect: { grpcWeb: { allowOrigins: ['*'] } } },
  { desc: 'ipAllowList', input: { ipAllowList: { sourceRange: '10.0.0.0/8' } }, expect: { ipAllowList: { sourceRange: ['10.0.0.0/8'], rejectStatusCode: 403 } } },
  { desc: 'inFlightReq source defaults to requestHost', input: { inFlightReq: { amount: 10 } }, expect: { inFlightReq: { amount: 10, sourceCriterion: { requestHost: true } } } },
  { desc: 'passTLSClientCert', input: { passTLSClientCert: { pem: true } }, expect: { passTLSClientCert: { pem: true } } },
  { desc: 'rateLimit', input: { rateLimit: {} }, expect: { rateLimit: { average: 0, period: 1000, burst: 1 } } },
  { desc: 'rateLimit period 0 means 1s, burst 0 means 1', input: { rateLimit: { average: 5, period: 0, burst: 0 } }, expect: { rateLimit: { average: 5, period: 1000, burst: 1 } } },
  { desc: 'redirectRegex', input: { redirectRegex: { regex: '^http://(.*)', replacement: 'https://$1' } }, expect: { redirectRegex: { regex: '^http://(.*)', replacement: 'https://$1', permanent: false } } },
  { desc: 'redirectScheme port from a YAML number', input: { redirectScheme: { scheme: 'https', port: 443 } }, expect: { redirectScheme: { scheme: 'https', port: '443', permanent: false, forcePermanentRedirect: false } } },
  { desc: 'replacePath', input: { replacePath: { path: '/x' } }, expect: { replacePath: { path: '/x' } } },
  { desc: 'replacePathRegex', input: { replacePathRegex: { regex: '^/a/(.*)', replacement: ' /b/$1 ' } }, expect: { replacePathRegex: { regex: '^/a/(.*)', replacement: '/b/$1' } } },
  { desc: 'retry', input: { retry: { attempts: '4' } }, expect: { retry: { attempts: 4, initialInterval: 0 } } },
  { desc: 'stripPrefix', input: { stripPrefix: { prefixes: '/api,/v1' } }, expect: { stripPrefix: { prefixes: ['/api', '/v1'] } } },
  { desc: 'stripPrefixRegex', input: { stripPrefixRegex: { regex: ['/foo/[a-z0-9]+/'] } }, expect: { stripPrefixRegex: { regex: ['/foo/[a-z0-9]+/'] } } },
  { desc: 'plugin is kept as given', input: { plugin: { myplugin: { anything: [1, 2] } } }, expect: { plugin: { myplugin: { anything: [1, 2] } } } },
  { desc: 'type key in any case', input: { STRIPPREFIX: { Prefixes: ['/a'] } }, expect: { stripPrefix: { prefixes: ['/a'] } } },
];

for (const { desc, input, expect } of defaults) {
  test(`middleware defaults: ${desc}`, () => {
    const { value, issues } = one(input);
    assert.deepEqual(issues, []);
    assert.deepEqual(value, expect);
  });
}

const deprecations: { desc: string; input: unknown; path: string; text: RegExp }[] = [
  { desc: 'ipWhiteList', input: { ipWhiteList: { sourceRange: ['10.0.0.0/8'] } }, path: 'http.middlewares.m.ipWhiteList', text: /rename to ipAllowList/ },
  { desc: 'headers sslRedirect', input: { headers: { sslRedirect: true } }, path: 'http.middlewares.m.headers.sslRedirect', text: /ignored; use a redirectScheme/ },
  { desc: 'stripPrefix forceSlash', input: { stripPrefix: { prefixes: ['/a'], forceSlash: false } }, path: 'http.middlewares.m.stripPrefix.forceSlash', text: /deprecated/ },
  { desc: 'contentType autoDetect', input: { contentType: { autoDetect: false } }, path: 'http.middlewares.m.contentType.autoDetect', text: /deprecated/ },
];

for (const { desc, input, path, text } of deprecations) {
  test(`deprecated middleware option is kept with a warning: ${desc}`, () => {
    const { value, issues } = one(input);
    assert.ok(value !== undefined);
    assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [['warning', 'PE_DEPRECATED', path]]);
    assert.match(issues[0]?.message ?? '', text);
  });
}

test('ipWhiteList keeps its options', () => {
  const { value } = one({ ipWhiteList: { sourceRange: ['10.0.0.0/8'], ipStrategy: { depth: 2 } } });
  assert.deepEqual(value, { ipWhiteList: { sourceRange: ['10.0.0.0/8'], ipStrategy: { depth: 2, excludedIPs: [] } } });
});

test('rateLimit.redis in a file: accepted without a warning, durations in milliseconds, endpoints as given', () => {
  const { value, issues } = one({ rateLimit: { average: 10, redis: { endpoints: ['redis:6379', '[::1]:6380'], password: 'x', db: 2, tls: { insecureSkipVerify: true }, dialTimeout: '5s', readTimeout: '250ms' } } });
  assert.deepEqual(issues, []);
  assert.ok(value !== undefined && 'rateLimit' in value);
  assert.deepEqual(value.rateLimit.redis, { endpoints: ['redis:6379', '[::1]:6380'], password: 'x', db: 2, tls: { insecureSkipVerify: true }, dialTimeout: 5000, readTimeout: 250 });
});

test('rateLimit.redis pool sizes and writeTimeout: accepted, one warning each saying why they have no effect', () => {
  const { issues } = one({ rateLimit: { average: 10, redis: { poolSize: 20, maxActiveConns: 50, writeTimeout: '1s' } } });
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [
    ['warning', 'PE_NOT_IMPLEMENTED', 'http.middlewares.m.rateLimit.redis.poolSize'],
    ['warning', 'PE_NOT_IMPLEMENTED', 'http.middlewares.m.rateLimit.redis.maxActiveConns'],
    ['warning', 'PE_NOT_IMPLEMENTED', 'http.middlewares.m.rateLimit.redis.writeTimeout'],
  ]);
  assert.match(issues[0]?.message ?? '', /redis\.poolSize: without effect in pe-edge, whose Redis client sends every command over one pipelined connection per endpoint/);
  assert.match(issues[2]?.message ?? '', /redis\.writeTimeout: without effect in pe-edge: a call to Redis is bounded by readTimeout/);
});

test('rateLimit.redis: an endpoint that is not host:port is an error naming it', () => {
  for (const bad of ['redis', 'redis:0', 'redis:70000', 'redis://redis:6379', '::1:6379']) {
    const { issues } = one({ rateLimit: { redis: { endpoints: ['ok:6379', bad] } } });
    assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [['error', 'PE_INVALID_VALUE', 'http.middlewares.m.rateLimit.redis.endpoints.1']], bad);
    assert.match(issues[0]?.message ?? '', new RegExp(`endpoint "${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is not host:port`));
  }
});

test('rateLimit.redis: a typo under it is still an unknown key', () => {
  const { issues } = one({ rateLimit: { redis: { endpoint: ['redis:6379'] } } });
  assert.deepEqual(issues.map((i) => [i.severity, i.code, i.path.join('.')]), [['error', 'PE_UNKNOWN_KEY', 'http.middlewares.m.rateLimit.redis.endpoint']]);
  assert.match(issues[0]?.message ?? '', /did you mean "endpoints"\?/);
});

test('forwardAuth defaults', () => {
  const { value, issues } = one({ forwardAuth: { address: 'http://auth:9000/verify', authResponseHeaders: 'X-User, X-Role' } });
  assert.deepEqual(issues, []);
  assert.ok(value !== undefined && 'forwardAuth' in value);
  assert.deepEqual(value.forwardAuth.authResponseHeaders, ['X-User', 'X-Role']);
  assert.equal(value.forwardAuth.trustForwardHeader, undefined, 'unset is its own behaviour since Traefik v3.6.14');
  assert.equal(value.forwardAuth.maxBodySize, -1);
});

const errors: { desc: string; input: unknown; code: string; path: string; text: RegExp }[] = [
  { desc: 'two types', input: { rateLimit: {}, headers: { frameDeny: true } }, code: 'PE_MULTI_TYPE', path: 'http.middlewares.m', text: /more than one type \(rateLimit, headers\)/ },
  { desc: 'no type', input: {}, code: 'PE_NO_TYPE', path: 'http.middlewares.m', text: /has no type; add one of: addPrefix/ },
  { desc: 'unknown type with suggestion', input: { stripPrefx: {} }, code: 'PE_UNKNOWN_KEY', path: 'http.middlewares.m.stripPrefx', text: /did you mean "stripPrefix"\?/ },
  { desc: 'unknown type without suggestion', input: { banana: {} }, code: 'PE_UNKNOWN_KEY', path: 'http.middlewares.m.banana', text: /valid types are: addPrefix, basicAuth/ },
  { desc: 'unknown option', input: { rateLimit: { avrage: 1 } }, code: 'PE_UNKNOWN_KEY', path: 'http.middlewares.m.rateLimit.avrage', text: /did you mean "average"\?/ },
  { desc: 'addPrefix empty', input: { addPrefix: { prefix: '' } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.addPrefix.prefix', text: /must not be empty/ },
  { desc: 'basicAuth user format', input: { basicAuth: { users: ['nohash'] } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.basicAuth.users.0', text: /name:hash/ },
  { desc: 'circuitBreaker without expression', input: { circuitBreaker: {} }, code: 'PE_MISSING_FIELD', path: 'http.middlewares.m.circuitBreaker.expression', text: /required/ },
  { desc: 'compress include and exclude', input: { compress: { includedContentTypes: ['a/b'], excludedContentTypes: ['c/d'] } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.compress.includedContentTypes', text: /mutually exclusive/ },
  { desc: 'compress unknown encoding', input: { compress: { encodings: ['deflate'] } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.compress.encodings.0', text: /"zstd", "br", "gzip"/ },
  { desc: 'errors status format', input: { errors: { status: ['5xx'], service: 's' } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.errors.status.0', text: /inclusive range/ },
  { desc: 'errors statusRewrites key format', input: { errors: { status: ['500'], service: 's', statusRewrites: { '5xx': 500 } } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.errors.statusRewrites.5xx', text: /inclusive range/ },
  { desc: 'forwardAuth relative address', input: { forwardAuth: { address: '/auth' } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.forwardAuth.address', text: /absolute URL/ },
  { desc: 'headers with no option', input: { headers: {} }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.headers', text: /at least one option/ },
  { desc: 'ipAllowList empty range', input: { ipAllowList: { sourceRange: [] } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.ipAllowList.sourceRange', text: /at least one/ },
  { desc: 'ipWhiteList has no rejectStatusCode', input: { ipWhiteList: { sourceRange: ['1.2.3.4'], rejectStatusCode: 404 } }, code: 'PE_UNKNOWN_KEY', path: 'http.middlewares.m.ipWhiteList.rejectStatusCode', text: /unknown key/ },
  { desc: 'rateLimit criteria exclusive', input: { rateLimit: { sourceCriterion: { requestHost: true, requestHeaderName: 'X-Key' } } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.rateLimit.sourceCriterion', text: /mutually exclusive/ },
  { desc: 'rateLimit negative period', input: { rateLimit: { period: '-1s' } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.rateLimit.period', text: /negative/ },
  { desc: 'redirectScheme without scheme', input: { redirectScheme: { permanent: true } }, code: 'PE_MISSING_FIELD', path: 'http.middlewares.m.redirectScheme.scheme', text: /required/ },
  { desc: 'retry attempts 0', input: { retry: { attempts: 0 } }, code: 'PE_INVALID_VALUE', path: 'http.middlewares.m.retry.attempts', text: /greater than 0/ },
  { desc: 'not an object', input: 'rateLimit', code: 'PE_INVALID_VALUE', path: 'http.middlewares.m', text: /expected an object with one middleware type/ },
];

for (const { desc, input, code, path, text } of errors) {
  test(`middleware error: ${desc}`, () => {
    const { value, issues } = one(input);
    assert.equal(value, undefined);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.code, code);
    assert.equal(issues[0]?.path.join('.'), path);
    assert.match(issues[0]?.message ?? '', text);
    assert.deepEqual(issues[0]?.item, { kind: 'middleware', name: 'm' });
  });
}

test('every v3 HTTP middleware type is registered', () => {
  const expected = [
    'addPrefix', 'basicAuth', 'buffering', 'chain', 'circuitBreaker', 'compress', 'contentType', 'digestAuth', 'encodedCharacters', 'errors',
    'forwardAuth', 'grpcWeb', 'headers', 'inFlightReq', 'ipAllowList', 'ipWhiteList', 'passTLSClientCert', 'plugin',
    'rateLimit', 'redirectRegex', 'redirectScheme', 'replacePath', 'replacePathRegex', 'retry', 'stripPrefix', 'stripPrefixRegex',
  ];
  assert.deepEqual([...middlewareTypes].sort(), expected.sort());
});

test('every configured text pe-edge writes as a header value refuses control characters other than HTAB, naming the field; HTAB and text beyond ASCII pass', () => {
  const fields: [string, string, Record<string, unknown>][] = [
    ...['customFrameOptionsValue', 'customBrowserXSSValue', 'contentSecurityPolicy', 'contentSecurityPolicyReportOnly', 'publicKey', 'referrerPolicy', 'permissionsPolicy']
      .map((field): [string, string, Record<string, unknown>] => ['headers', field, {}]),
    ...['accessControlAllowHeaders', 'accessControlAllowMethods', 'accessControlExposeHeaders']
      .map((field): [string, string, Record<string, unknown>] => ['headers', field, {}]),
    ['basicAuth', 'realm', { users: ['test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'] }],
    ['digestAuth', 'realm', { users: ['test:traefik:a2688e031edb4be6a3797f3882655c05'] }],
  ];
  for (const [type, field, rest] of fields) {
    const list = field.startsWith('accessControl');
    for (const bad of ['a\rb', 'a\nb', 'a\x00b', 'a\x1fb', 'a\x7fb']) {
      const r = validateDynamicConfig({ http: { middlewares: { m: { [type]: { ...rest, [field]: list ? ['GET', bad] : bad } } } } });
      assert.deepEqual(r.issues.map((i) => i.message), [`http.middlewares.m.${type}.${field}${list ? '[1]' : ''}: the value holds a CR, LF or other control character`], `${field} ${JSON.stringify(bad)}`);
    }
    const good = 'a\tcafé €';
    const r = validateDynamicConfig({ http: { middlewares: { m: { [type]: { ...rest, [field]: list ? [good] : good } } } } });
    assert.deepEqual(r.issues, [], field);
  }
  // Deprecated options Traefik v3 never writes stay accepted as they are.
  const deprecated = validateDynamicConfig({ http: { middlewares: { m: { headers: { featurePolicy: 'a\nb', sslHost: 'a\nb' } } } } });
  assert.deepEqual(deprecated.issues.filter((i) => i.severity === 'error'), []);
});

test('headers: a value with CR/LF or a name that is not a token is an error naming the header (it would split the answer)', () => {
  const r = validateDynamicConfig({ http: { middlewares: { m: { headers: { customResponseHeaders: { 'X-Split': 'a\r\nSet-Cookie: x=1', 'Bad Name': 'v', 'X-Fine': '', Server: 'ok' } } } } } });
  assert.deepEqual(r.issues.map((i) => i.message), [
    'http.middlewares.m.headers.customResponseHeaders.X-Split: the value holds a CR, LF or other control character',
    'http.middlewares.m.headers.customResponseHeaders.Bad Name: not a valid header name',
  ]);
});
