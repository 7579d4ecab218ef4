// Label mistakes: the message starts with the label as written and suggests the fix; only the
// item the label belongs to is left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels } from '../../../../labels-spec/index.js';

interface ErrorCase {
  desc: string;
  labels: Record<string, string>;
  message: string;
  suggestion?: string;
  /** Items still present after the bad one was dropped. */
  kept?: { routers?: string[]; services?: string[]; middlewares?: string[] };
}

const good = { 'traefik.http.routers.ok.rule': 'Host(`ok`)' };

const cases: ErrorCase[] = [
  {
    desc: 'parentRefs by label (Traefik: label:"-", multi-layer routing is for the file provider)',
    labels: { ...good, 'traefik.http.routers.child.rule': 'Path(`/a`)', 'traefik.http.routers.child.parentrefs': 'parent@file' },
    message: 'label "traefik.http.routers.child.parentrefs": parentRefs cannot be set by label (Traefik: multi-layer routing is for the file provider); define the child router in dynamic.yml',
    kept: { routers: ['ok'] },
  },
  {
    desc: 'typo in a router field',
    labels: { ...good, 'traefik.http.routers.web.rule': 'Host(`a`)', 'traefik.http.routers.web.rulle': 'Host(`a`)' },
    message: 'label "traefik.http.routers.web.rulle": unknown key; did you mean "rule"?',
    suggestion: 'rule',
    kept: { routers: ['ok'] },
  },
  {
    desc: 'typo in loadbalancer.server',
    labels: { 'traefik.http.services.app.loadbalancer.sever.port': '80', 'traefik.http.services.other.loadbalancer.server.port': '81' },
    message: 'label "traefik.http.services.app.loadbalancer.sever.port": unknown key; did you mean "server"?',
    suggestion: 'server',
    kept: { services: ['other'] },
  },
  {
    desc: 'typo in a middleware type',
    labels: { 'traefik.http.middlewares.rl.ratelimt.average': '10', 'traefik.http.middlewares.c.compress': 'true' },
    message: 'label "traefik.http.middlewares.rl.ratelimt.average": unknown middleware type; did you mean "rateLimit"?',
    suggestion: 'rateLimit',
    kept: { middlewares: ['c'] },
  },
  {
    desc: 'a bad value names the label and the value',
    labels: { ...good, 'traefik.http.routers.web.rule': 'Host(`a`)', 'traefik.http.routers.web.priority': 'high' },
    message: 'label "traefik.http.routers.web.priority": expected an integer, got "high"',
    kept: { routers: ['ok'] },
  },
  {
    desc: 'root must be lower-case traefik',
    labels: { ...good, 'Traefik.http.routers.a.rule': 'Host(`a`)' },
    message: 'label "Traefik.http.routers.a.rule": invalid label root "Traefik"; label keys start with lower-case "traefik."',
    suggestion: 'traefik',
    kept: { routers: ['ok'] },
  },
  {
    desc: 'port out of range',
    labels: { 'traefik.http.services.app.loadbalancer.server.port': '70000' },
    message: 'label "traefik.http.services.app.loadbalancer.server.port": port must be an integer between 1 and 65535, got "70000"',
    kept: { services: [] },
  },
  {
    desc: 'a bad traefik.enable value',
    labels: { 'traefik.enable': 'yes' },
    message: 'label "traefik.enable": expected true or false, got "yes"',
  },
  {
    desc: 'servers cannot be listed by label',
    labels: { 'traefik.http.services.app.loadbalancer.servers[0].url': 'http://a:80' },
    message: 'label "traefik.http.services.app.loadbalancer.servers[0].url": servers cannot be set by label; use loadbalancer.server.port, .scheme, .weight or .url',
  },
  {
    desc: 'weighted services are file provider only',
    labels: { 'traefik.http.services.w.weighted.services[0].name': 'a' },
    message: 'label "traefik.http.services.w.weighted.services[0].name": weighted services cannot be set by label (Traefik: file provider only); define them in dynamic.yml',
  },
  {
    desc: 'highestRandomWeight services are file provider only (Traefik v3.6, label:"-")',
    labels: { 'traefik.http.services.h.highestrandomweight.services[0].name': 'a' },
    message: 'label "traefik.http.services.h.highestrandomweight.services[0].name": highestRandomWeight services cannot be set by label (Traefik: file provider only); define them in dynamic.yml',
  },
  {
    desc: 'a section given a non-boolean value',
    labels: { 'traefik.http.routers.r.rule': 'Host(`r`)', 'traefik.http.routers.r.tls': 'yes' },
    message: 'label "traefik.http.routers.r.tls": "tls" is a section: set its fields below it, or true to enable it with defaults (false leaves it out); got "yes"',
  },
  {
    desc: 'schema errors below a label are mapped back to it',
    labels: { 'traefik.http.middlewares.auth.basicauth.users': 'alice' },
    message: 'label "traefik.http.middlewares.auth.basicauth.users": each user must be "name:hash" (htpasswd format) (at users[0])',
  },
];

for (const c of cases) {
  test(`decode error: ${c.desc}`, () => {
    const result = decodeLabels(c.labels);
    const errors = result.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(errors.map((i) => i.message), [c.message]);
    assert.equal(errors[0]?.suggestion, c.suggestion);
    assert.equal(errors[0]?.label !== undefined && c.message.startsWith(`label "${errors[0].label}"`), true);
    if (c.kept?.routers) assert.deepEqual(Object.keys(result.config.http.routers), c.kept.routers);
    if (c.kept?.services) assert.deepEqual(Object.keys(result.config.http.services), c.kept.services);
    if (c.kept?.middlewares) assert.deepEqual(Object.keys(result.config.http.middlewares), c.kept.middlewares);
  });
}

test('decode: a dropped item is still declared, so the provider does not invent an implicit one', () => {
  const result = decodeLabels({ 'traefik.http.services.app.loadbalancer.server.port': 'x' });
  assert.deepEqual(result.declared.services, ['app']);
  assert.deepEqual(result.config.http.services, {});
  assert.deepEqual(result.servers, {});
});

test('decode: keys equal ignoring case: the first in sorted order wins, with a warning', () => {
  const result = decodeLabels({ 'traefik.http.routers.r.rule': 'Host(`lower`)', 'traefik.http.routers.r.RULE': 'Host(`upper`)' });
  assert.equal(result.config.http.routers['r']?.rule, 'Host(`upper`)');
  assert.deepEqual(result.issues.map((i) => [i.severity, i.label]), [['warning', 'traefik.http.routers.r.rule']]);
  assert.match(result.issues[0]?.message ?? '', /same key as label "traefik\.http\.routers\.r\.RULE"/);
});

test('decode: names differing only in case collapse onto the first spelling, with a warning', () => {
  const result = decodeLabels({ 'traefik.http.routers.Web.rule': 'Host(`a`)', 'traefik.http.routers.web.entrypoints': 'web' });
  assert.deepEqual(Object.keys(result.config.http.routers), ['Web']);
  assert.deepEqual(result.config.http.routers['Web']?.entryPoints, ['web']);
  assert.equal(result.issues.length, 1);
  assert.equal(result.issues[0]?.severity, 'warning');
});

// Traefik ignores anything under `traefik.` outside its roots; users keep values there for templates and constraints.
const ignoredRoots: { label: string; message: string; suggestion?: string }[] = [
  { label: 'traefik.domain', message: 'label "traefik.domain": "domain" is not a Traefik key; ignored, as Traefik does' },
  { label: 'traefik.tags', message: 'label "traefik.tags": "tags" is not a Traefik key; ignored, as Traefik does' },
  { label: 'traefik.wrong.label', message: 'label "traefik.wrong.label": "wrong" is not a Traefik key; ignored, as Traefik does' },
  { label: 'traefik.enabled', message: 'label "traefik.enabled": "enabled" is not a Traefik key; ignored, as Traefik does; did you mean "enable"?', suggestion: 'enable' },
  { label: 'traefik.htp.routers.a.rule', message: 'label "traefik.htp.routers.a.rule": "htp" is not a Traefik key; ignored, as Traefik does; did you mean "http"?', suggestion: 'http' },
  { label: 'traefik.routers.a.rule', message: 'label "traefik.routers.a.rule": "routers" is not a Traefik key; ignored, as Traefik does' },
];

for (const c of ignoredRoots) {
  test(`decode: ${c.label} is not configuration: one warning, no error, the rest decoded`, () => {
    const result = decodeLabels({ ...good, [c.label]: 'x' });
    assert.deepEqual(result.issues.map((i) => [i.severity, i.label, i.message, i.suggestion]), [['warning', c.label, c.message, c.suggestion]]);
    assert.deepEqual(Object.keys(result.config.http.routers), ['ok']);
  });
}

test('decode: a typo inside a real root stays an error', () => {
  const result = decodeLabels({ 'traefik.http.routers.x.rulle': 'Host(`x`)' });
  assert.deepEqual(result.issues.map((i) => [i.severity, i.message]), [['error', 'label "traefik.http.routers.x.rulle": unknown key; did you mean "rule"?']]);
});

test('decode: loadbalancer.server.port, scheme and url given empty are unset, as in Traefik', () => {
  const result = decodeLabels({
    'traefik.http.services.app.loadbalancer.server.port': '',
    'traefik.http.services.app.loadbalancer.server.scheme': ' ',
    'traefik.http.services.app.loadbalancer.server.url': '',
  });
  assert.deepEqual(result.issues, []);
  assert.deepEqual(result.servers, { app: {} });
  assert.ok(result.config.http.services['app'] !== undefined);
});

test('decode: loadbalancer.server.url with port or scheme is an error on the url label; the service is left out', () => {
  const result = decodeLabels({
    'traefik.http.services.app.loadbalancer.server.url': 'http://10.0.0.5:8080',
    'traefik.http.services.app.loadbalancer.server.port': '80',
    'traefik.http.services.app.loadbalancer.server.scheme': 'https',
    'traefik.http.services.other.loadbalancer.server.port': '81',
  });
  assert.deepEqual(result.issues.map((i) => [i.severity, i.message]), [[
    'error',
    'label "traefik.http.services.app.loadbalancer.server.url": defining scheme or port is not allowed when URL is defined (remove loadbalancer.server.port and .scheme, or the url)',
  ]]);
  assert.deepEqual(Object.keys(result.config.http.services), ['other']);
});

test('decode: loadbalancer.server.url and preservepath are read; a bad preservepath names the label', () => {
  const result = decodeLabels({ 'traefik.http.services.app.loadbalancer.server.url': 'http://10.0.0.5:8080/base', 'traefik.http.services.app.loadbalancer.server.preservepath': 'true' });
  assert.deepEqual(result.issues, []);
  assert.deepEqual(result.servers, { app: { url: 'http://10.0.0.5:8080/base', preservePath: true } });
  const bad = decodeLabels({ 'traefik.http.services.app.loadbalancer.server.preservepath': 'yes' });
  assert.deepEqual(bad.issues.map((i) => i.message), ['label "traefik.http.services.app.loadbalancer.server.preservepath": preservePath must be true or false, got "yes"']);
});

test('decode: keys of later Traefik v3 lines are accepted, each not-implemented one warned by name (forwardAuth\'s are implemented)', () => {
  const result = decodeLabels({
    'traefik.docker.allownonrunning': 'true',
    'traefik.http.middlewares.r.retry.attempts': '3',
    'traefik.http.middlewares.r.retry.disableretryonnetworkerror': 'true',
    'traefik.http.middlewares.r.retry.status': '500-599,429',
    'traefik.http.middlewares.r.retry.timeout': '2s',
    'traefik.http.middlewares.r.retry.maxrequestbodybytes': '1024',
    'traefik.http.middlewares.r.retry.retrynonidempotentmethod': 'true',
    'traefik.http.middlewares.fa.forwardauth.address': 'http://auth:9000/verify',
    'traefik.http.middlewares.fa.forwardauth.maxresponsebodysize': '4096',
    'traefik.http.middlewares.fa.forwardauth.authsigninurl': 'https://login.test/',
  });
  assert.equal(result.allowNonRunning, true);
  assert.deepEqual(result.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(result.issues.map((i) => i.message).sort(), [
    'label "traefik.http.middlewares.r.retry.disableretryonnetworkerror": not implemented yet in pe-edge; ignored',
    'label "traefik.http.middlewares.r.retry.maxrequestbodybytes": not implemented yet in pe-edge; ignored',
    'label "traefik.http.middlewares.r.retry.retrynonidempotentmethod": not implemented yet in pe-edge; ignored',
    'label "traefik.http.middlewares.r.retry.status": not implemented yet in pe-edge; ignored',
    'label "traefik.http.middlewares.r.retry.timeout": not implemented yet in pe-edge; ignored',
  ]);
  assert.deepEqual(Object.keys(result.config.http.middlewares).sort(), ['fa', 'r']);
});

test('decode: rateLimit.redis (Traefik v3.4) labels decode, the endpoints list split at commas; only the pool sizes and writeTimeout are warned about', () => {
  const result = decodeLabels({
    'traefik.http.middlewares.limit.ratelimit.average': '10',
    'traefik.http.middlewares.limit.ratelimit.redis.endpoints': 'redis-a:6379,redis-b:6379',
    'traefik.http.middlewares.limit.ratelimit.redis.username': 'edge',
    'traefik.http.middlewares.limit.ratelimit.redis.password': 'secret',
    'traefik.http.middlewares.limit.ratelimit.redis.db': '2',
    'traefik.http.middlewares.limit.ratelimit.redis.tls.ca': '/certs/ca.pem',
    'traefik.http.middlewares.limit.ratelimit.redis.tls.cert': '/certs/cert.pem',
    'traefik.http.middlewares.limit.ratelimit.redis.tls.key': '/certs/key.pem',
    'traefik.http.middlewares.limit.ratelimit.redis.tls.insecureskipverify': 'true',
    'traefik.http.middlewares.limit.ratelimit.redis.poolsize': '20',
    'traefik.http.middlewares.limit.ratelimit.redis.minidleconns': '2',
    'traefik.http.middlewares.limit.ratelimit.redis.maxactiveconns': '50',
    'traefik.http.middlewares.limit.ratelimit.redis.readtimeout': '3s',
    'traefik.http.middlewares.limit.ratelimit.redis.writetimeout': '3s',
    'traefik.http.middlewares.limit.ratelimit.redis.dialtimeout': '5s',
  });
  assert.deepEqual(result.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(result.issues.map((i) => [i.code, i.message.replace(/:.*/, '')]), [
    ['PE_NOT_IMPLEMENTED', 'label "traefik.http.middlewares.limit.ratelimit.redis.poolsize"'],
    ['PE_NOT_IMPLEMENTED', 'label "traefik.http.middlewares.limit.ratelimit.redis.minidleconns"'],
    ['PE_NOT_IMPLEMENTED', 'label "traefik.http.middlewares.limit.ratelimit.redis.maxactiveconns"'],
    ['PE_NOT_IMPLEMENTED', 'label "traefik.http.middlewares.limit.ratelimit.redis.writetimeout"'],
  ]);
  const limit = result.config.http.middlewares.limit;
  assert.ok(limit !== undefined && 'rateLimit' in limit);
  assert.deepEqual(limit.rateLimit.redis, {
    endpoints: ['redis-a:6379', 'redis-b:6379'], username: 'edge', password: 'secret', db: 2,
    tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', insecureSkipVerify: true },
    poolSize: 20, minIdleConns: 2, maxActiveConns: 50, readTimeout: 3000, writeTimeout: 3000, dialTimeout: 5000,
  });
});

test('decode: a misspelt rateLimit.redis label is named with its suggestion; a bad endpoint names the label', () => {
  const typo = decodeLabels({ 'traefik.http.middlewares.limit.ratelimit.redis.endpoint': 'redis:6379' });
  assert.deepEqual(typo.issues.map((i) => [i.severity, i.code]), [['error', 'PE_UNKNOWN_KEY']]);
  assert.match(typo.issues[0]?.message ?? '', /^label "traefik\.http\.middlewares\.limit\.ratelimit\.redis\.endpoint".*did you mean "endpoints"\?/);
  const bad = decodeLabels({ 'traefik.http.middlewares.limit.ratelimit.redis.endpoints': 'redis:6379,redis' });
  assert.deepEqual(bad.issues.map((i) => [i.severity, i.code]), [['error', 'PE_INVALID_VALUE']]);
  assert.match(bad.issues[0]?.message ?? '', /^label "traefik\.http\.middlewares\.limit\.ratelimit\.redis\.endpoints".*endpoint "redis" is not host:port/);
});

test('decode: the encodedCharacters middleware (Traefik v3.7) is a known type, every option false unless set', () => {
  const result = decodeLabels({ 'traefik.http.middlewares.enc.encodedcharacters.allowencodedslash': 'true' });
  assert.deepEqual(result.issues, []);
  assert.deepEqual(result.config.http.middlewares.enc, { encodedCharacters: {
    allowEncodedSlash: true, allowEncodedBackSlash: false, allowEncodedNullCharacter: false, allowEncodedSemicolon: false,
    allowEncodedPercent: false, allowEncodedQuestionMark: false, allowEncodedHash: false,
  } });
});

test('decode: __proto__, constructor and prototype are refused as names, and nothing reaches Object.prototype', () => {
  for (const label of [
    'traefik.http.services.__proto__.loadbalancer.server.url',
    'traefik.http.services.app.loadbalancer.server.__proto__',
    'traefik.http.routers.constructor.rule',
    'traefik.http.middlewares.Prototype.headers.customresponseheaders.x',
    'traefik.http.routers.r.tls.domains.__proto__[0].main',
  ]) {
    const decoded = decodeLabels({ [label]: 'http://127.0.0.1:18082', ...good });
    const issue = decoded.issues.find((i) => i.label === label);
    assert.equal(issue?.severity, 'error', label);
    assert.match(issue?.message ?? '', /cannot be a name in a label/, label);
    assert.deepEqual(Object.keys(decoded.config.http.routers), ['ok'], `${label}: the rest still decodes`);
  }
  assert.equal(({} as Record<string, unknown>)['url'], undefined, 'no object in the process gained a url');
});
