import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import type { Handler, RequestContext, ResponseHeaders } from '../../../proxy/http/request-context.js';
import { createHeaders, type HeadersOptions } from '../../../proxy/middlewares/headers/headers.js';
import { fakeContext, runResponseHooks } from './fake-context.js';
import { CustomHeaders } from '../../../proxy/middlewares/headers/custom-headers.js';
import { requestHeaderAsTraefikSees } from '../../../proxy/http/forwarded-view.js';
import type { RequestSpec } from '../../support/request-context.js';

function options(raw: Record<string, unknown>): HeadersOptions {
  const { config, issues } = validateDynamicConfig({ http: { middlewares: { m: { headers: raw } } } });
  assert.deepEqual(issues.filter((i) => i.severity !== 'warning'), []);
  return (config.http.middlewares as Record<string, { headers: HeadersOptions }>)['m']?.headers as HeadersOptions;
}

/** Runs one request through `headers` and, when forwarded, the upstream response back through its hooks. */
function run(raw: Record<string, unknown>, request: RequestSpec = {}, upstream: ResponseHeaders = {}) {
  let forwarded: RequestContext | null = null;
  const next: Handler = (c) => { forwarded = c; };
  const { ctx, answer } = fakeContext(request);
  createHeaders(options(raw), next)(ctx);
  const response = forwarded === null ? null : runResponseHooks(ctx, 200, upstream);
  return { ctx, forwarded: forwarded as RequestContext | null, response, answer: answer() };
}

const SEED = {
  stsSeconds: 31536000, stsIncludeSubdomains: true, stsPreload: true, forceSTSHeader: true, frameDeny: true,
  contentTypeNosniff: true, browserXssFilter: true, referrerPolicy: 'strict-origin-when-cross-origin',
  contentSecurityPolicy: "default-src 'self'", customResponseHeaders: { 'X-Powered-By': '', Server: '' },
};

const responseCases: { name: string; raw: Record<string, unknown>; request?: RequestSpec; upstream?: ResponseHeaders; expect: ResponseHeaders }[] = [
  {
    name: 'Pixelated Empathy seed: security headers added, Server and X-Powered-By removed',
    raw: SEED,
    upstream: { server: 'nginx', 'x-powered-by': 'Express', 'x-frame-options': 'SAMEORIGIN', 'content-type': 'text/html' },
    expect: {
      'strict-transport-security': 'max-age=31536000; includeSubDomains; preload', 'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff', 'x-xss-protection': '1; mode=block',
      'referrer-policy': 'strict-origin-when-cross-origin', 'content-security-policy': "default-src 'self'", 'content-type': 'text/html',
    },
  },
  { name: 'STS only on SSL requests when not forced', raw: { stsSeconds: 60 }, expect: {} },
  { name: 'STS on a TLS request', raw: { stsSeconds: 60 }, request: { tls: true }, expect: { 'strict-transport-security': 'max-age=60' } },
  {
    name: 'sslProxyHeaders from a trusted peer make the request SSL',
    raw: { stsSeconds: 60, sslProxyHeaders: { 'X-Forwarded-Proto': 'https' } },
    request: { trustForwarded: true, headers: [['X-Forwarded-Proto', 'https']] }, expect: { 'strict-transport-security': 'max-age=60' },
  },
  {
    name: 'an untrusted peer cannot claim SSL through X-Forwarded-Proto (Traefik rewrote it to http)',
    raw: { stsSeconds: 60, sslProxyHeaders: { 'X-Forwarded-Proto': 'https' } },
    request: { headers: [['X-Forwarded-Proto', 'https']] }, expect: {},
  },
  {
    // Traefik's entrypoint drops every header of its xHeaders list from an untrusted peer, the TLS client cert ones too.
    name: 'an untrusted peer cannot claim SSL through X-Forwarded-Tls-Client-Cert (Traefik dropped it)',
    raw: { stsSeconds: 60, sslProxyHeaders: { 'X-Forwarded-Tls-Client-Cert': 'present' } },
    request: { headers: [['X-Forwarded-Tls-Client-Cert', 'present']] }, expect: {},
  },
  {
    // Traefik's Header handler (custom request headers) wraps its secure handler: secure reads what custom set.
    name: 'X-Forwarded-Proto set by customRequestHeaders counts for sslProxyHeaders, whoever the peer',
    raw: { stsSeconds: 60, sslProxyHeaders: { 'X-Forwarded-Proto': 'https' }, customRequestHeaders: { 'X-Forwarded-Proto': 'https' } },
    request: {}, expect: { 'strict-transport-security': 'max-age=60' },
  },
  {
    name: 'a trusted peer\'s X-Forwarded-Tls-Client-Cert counts for sslProxyHeaders',
    raw: { stsSeconds: 60, sslProxyHeaders: { 'X-Forwarded-Tls-Client-Cert': 'present' } },
    request: { trustForwarded: true, headers: [['X-Forwarded-Tls-Client-Cert', 'present']] }, expect: { 'strict-transport-security': 'max-age=60' },
  },
  { name: 'never STS in development, even forced', raw: { stsSeconds: 60, forceSTSHeader: true, isDevelopment: true }, request: { tls: true }, expect: {} },
  { name: 'customFrameOptionsValue wins over frameDeny', raw: { frameDeny: true, customFrameOptionsValue: 'SAMEORIGIN' }, expect: { 'x-frame-options': 'SAMEORIGIN' } },
  { name: 'customBrowserXSSValue wins', raw: { browserXssFilter: true, customBrowserXSSValue: '0' }, expect: { 'x-xss-protection': '0' } },
  { name: 'publicKey only over SSL', raw: { publicKey: 'pin-sha256="x"' }, request: { tls: true }, expect: { 'public-key-pins': 'pin-sha256="x"' } },
  { name: 'publicKey not on plain HTTP', raw: { publicKey: 'pin-sha256="x"' }, expect: {} },
  {
    name: 'CSP report-only and permissions policy',
    raw: { contentSecurityPolicyReportOnly: 'default-src none', permissionsPolicy: 'camera=()' },
    expect: { 'content-security-policy-report-only': 'default-src none', 'permissions-policy': 'camera=()' },
  },
  { name: 'customResponseHeaders overrides the backend', raw: { customResponseHeaders: { 'X-App': 'edge' } }, upstream: { 'x-app': 'backend' }, expect: { 'x-app': 'edge' } },
  { name: 'customResponseHeaders "" removes a security header too', raw: { frameDeny: true, customResponseHeaders: { 'X-Frame-Options': '' } }, expect: {} },
  {
    name: 'CORS: listed origin echoed, credentials, expose headers, Vary appended',
    raw: { accessControlAllowOriginList: ['https://a.test'], accessControlAllowCredentials: true, accessControlExposeHeaders: ['X-A', 'X-B'], addVaryHeader: true },
    request: { headers: [['Origin', 'https://a.test']] }, upstream: { vary: 'Accept-Encoding' },
    expect: {
      'access-control-allow-origin': 'https://a.test', 'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-A,X-B', vary: 'Accept-Encoding,Origin',
    },
  },
  { name: 'CORS: * stays *', raw: { accessControlAllowOriginList: ['*'] }, request: { headers: [['Origin', 'https://b.test']] }, expect: { 'access-control-allow-origin': '*' } },
  {
    name: 'CORS: regex match echoes the Origin',
    raw: { accessControlAllowOriginListRegex: ['^https://.*\\.example\\.com$'] },
    request: { headers: [['Origin', 'https://x.example.com']] }, expect: { 'access-control-allow-origin': 'https://x.example.com' },
  },
  {
    name: 'CORS: a Go (?i) flag group is honoured',
    raw: { accessControlAllowOriginListRegex: ['(?i)^https://app\\.test$'] },
    request: { headers: [['Origin', 'HTTPS://APP.test']] }, expect: { 'access-control-allow-origin': 'HTTPS://APP.test' },
  },
  { name: 'CORS: unlisted origin gets no allow-origin', raw: { accessControlAllowOriginList: ['https://a.test'] }, request: { headers: [['Origin', 'https://evil.test']] }, expect: {} },
  { name: 'Vary exactly Origin is left alone', raw: { addVaryHeader: true }, upstream: { vary: 'Origin' }, expect: { vary: 'Origin' } },
];

for (const c of responseCases) {
  test(`headers response: ${c.name}`, () => {
    const { response } = run(c.raw, c.request, c.upstream);
    assert.deepEqual(response, c.expect);
  });
}

test('headers: customRequestHeaders sets, replaces and deletes; Host sets the upstream Host', () => {
  const { forwarded } = run(
    { customRequestHeaders: { 'X-Foo': '', 'X-Set': 'v', Host: 'internal.test' } },
    { headers: [['X-Foo', '1'], ['x-set', 'old'], ['X-Keep', 'k']] },
  );
  assert.ok(forwarded !== null);
  assert.equal(forwarded.req.headers['x-foo'], undefined);
  assert.equal(forwarded.req.headers['x-set'], 'v');
  assert.equal(forwarded.hostHeader, 'internal.test');
  assert.deepEqual(forwarded.req.rawHeaders, [
    'Host', 'app.test', 'X-Keep', 'k', 'X-Set', 'v', 'X-Forwarded-Host', 'app.test', 'X-Forwarded-Port', '80',
  ]);
});

test('headers: CORS preflight is answered 200 and not forwarded (seed)', () => {
  const { forwarded, answer } = run(
    { accessControlAllowOriginList: ['https://a.test'], accessControlAllowMethods: ['GET', 'POST'], accessControlAllowHeaders: ['X-A', 'X-B'], accessControlAllowCredentials: true },
    { method: 'OPTIONS', headers: [['Origin', 'https://a.test'], ['Access-Control-Request-Method', 'POST']] },
  );
  assert.equal(forwarded, null);
  assert.deepEqual(answer, {
    status: 200,
    body: '',
    headers: {
      'access-control-allow-credentials': 'true', 'access-control-allow-headers': 'X-A,X-B', 'access-control-allow-methods': 'GET,POST',
      // No Access-Control-Max-Age: accessControlMaxAge is unset (Traefik v3.6.22).
      'access-control-allow-origin': 'https://a.test', 'content-length': '0',
    },
  });
});

test('headers: OPTIONS without Access-Control-Request-Method is forwarded', () => {
  const { forwarded } = run({ accessControlAllowOriginList: ['*'] }, { method: 'OPTIONS', headers: [['Origin', 'https://a.test']] });
  assert.ok(forwarded !== null);
});

const hostCases: { name: string; raw: Record<string, unknown>; request: RequestSpec; allowed: boolean }[] = [
  { name: 'listed host (case-insensitive)', raw: { allowedHosts: ['App.test'] }, request: { host: 'app.test' }, allowed: true },
  { name: 'port is part of the comparison', raw: { allowedHosts: ['app.test'] }, request: { host: 'app.test:8080' }, allowed: false },
  { name: 'other host', raw: { allowedHosts: ['app.test'] }, request: { host: 'evil.test' }, allowed: false },
  { name: 'isDevelopment disables the check', raw: { allowedHosts: ['app.test'], isDevelopment: true }, request: { host: 'evil.test' }, allowed: true },
  {
    name: 'hostsProxyHeaders from a trusted peer',
    raw: { allowedHosts: ['app.test'], hostsProxyHeaders: ['X-Forwarded-Host'] },
    request: { host: 'internal', trustForwarded: true, headers: [['X-Forwarded-Host', 'app.test']] }, allowed: true,
  },
  {
    name: 'customRequestHeaders Host is checked (custom runs before secure)',
    raw: { allowedHosts: ['app.test'], customRequestHeaders: { Host: 'app.test' } }, request: { host: 'other.test' }, allowed: true,
  },
];

for (const c of hostCases) {
  test(`headers allowedHosts: ${c.name}`, () => {
    const { forwarded, answer } = run(c.raw, c.request);
    if (c.allowed) {
      assert.ok(forwarded !== null);
      return;
    }
    assert.equal(forwarded, null);
    assert.deepEqual(answer, {
      status: 500,
      body: 'Bad Host\n',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': '9' },
    });
  });
}

test('headers: Bad Host answer still carries customResponseHeaders (outer modifier in Traefik)', () => {
  const { answer } = run({ allowedHosts: ['app.test'], customResponseHeaders: { 'X-Edge': '1' } }, { host: 'evil.test' });
  assert.equal(answer?.headers['x-edge'], '1');
});

test('headers: at least one option must be set', () => {
  assert.throws(() => createHeaders({ frameDeny: false }, () => {}), /headers configuration not valid/);
});

test('headers: deprecated options are accepted and do nothing', () => {
  // sslTemporaryRedirect and sslForceHost would redirect (and rewrite the host) if they were passed to the library.
  const { forwarded, response } = run({ sslRedirect: true, sslTemporaryRedirect: true, sslHost: 'x.test', sslForceHost: true, featurePolicy: 'camera none' });
  assert.ok(forwarded !== null);
  assert.deepEqual(response, {});
});

test('headers: a bad origin regex disables the middleware with its name', () => {
  assert.throws(() => createHeaders({ accessControlAllowOriginListRegex: ['(['] }, () => {}), /accessControlAllowOriginListRegex/);
});

test('an entrypoint-set header deleted by customRequestHeaders reads empty to every later rule and middleware (Traefik\'s req.Header), until one sets it', () => {
  const { ctx } = fakeContext({});
  new CustomHeaders({ 'X-Real-Ip': '', 'X-Forwarded-Server': '', 'x-forwarded-host': '' }, undefined).editRequest(ctx);
  for (const name of ['x-real-ip', 'x-forwarded-server', 'x-forwarded-host']) assert.equal(requestHeaderAsTraefikSees(ctx, name), '', name);
  assert.equal(requestHeaderAsTraefikSees(ctx, 'x-forwarded-proto'), 'http', 'one not deleted keeps the entrypoint\'s value');
  new CustomHeaders({ 'X-Real-Ip': '10.0.0.1' }, undefined).editRequest(ctx);
  assert.equal(requestHeaderAsTraefikSees(ctx, 'x-real-ip'), '10.0.0.1');
});
