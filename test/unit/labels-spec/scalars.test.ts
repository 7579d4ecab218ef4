import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig, validateStaticConfig } from '../../../labels-spec/index.js';

// Labels and CLI flags deliver every scalar as a string.
const goBools: { spelling: string; value: boolean }[] = [
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((spelling) => ({ spelling, value: true })),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((spelling) => ({ spelling, value: false })),
];

for (const { spelling, value } of goBools) {
  test(`bool from string "${spelling}" is ${value}`, () => {
    const { config, issues } = validateDynamicConfig({
      http: { services: { s: { loadBalancer: { passHostHeader: spelling, servers: [] } } } },
    });
    assert.deepEqual(issues, []);
    const service = config.http.services.s;
    assert.ok(service !== undefined && 'loadBalancer' in service);
    assert.equal(service.loadBalancer.passHostHeader, value);
  });
}

test('a bool that Go cannot parse is an error naming the field', () => {
  const { issues } = validateDynamicConfig({ http: { services: { s: { loadBalancer: { passHostHeader: 'yes' } } } } });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.code, 'PE_INVALID_VALUE');
  assert.match(issues[0]?.message ?? '', /^http\.services\.s\.loadBalancer\.passHostHeader: expected a boolean/);
});

test('ints from numeric strings', () => {
  const { config, issues } = validateDynamicConfig({
    http: { middlewares: { rl: { rateLimit: { average: '100', burst: ' 50 ' } } } },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.middlewares.rl, { rateLimit: { average: 100, burst: 50, period: 1000 } });
});

test('a non-numeric int is an error', () => {
  const { issues } = validateDynamicConfig({ http: { middlewares: { rl: { rateLimit: { average: '10x' } } } } });
  assert.equal(issues[0]?.path.join('.'), 'http.middlewares.rl.rateLimit.average');
});

const lists: { desc: string; input: unknown; expect: string[] }[] = [
  { desc: 'comma-separated string', input: 'web, websecure', expect: ['web', 'websecure'] },
  { desc: 'single string', input: 'web', expect: ['web'] },
  { desc: 'array', input: ['web', 'websecure'], expect: ['web', 'websecure'] },
  { desc: 'empty items dropped', input: 'web,,websecure,', expect: ['web', 'websecure'] },
];

for (const { desc, input, expect } of lists) {
  test(`string list from ${desc}`, () => {
    const { config, issues } = validateDynamicConfig({ http: { routers: { r: { rule: 'Path(`/`)', entryPoints: input } } } });
    assert.deepEqual(issues, []);
    assert.deepEqual(config.http.routers.r?.entryPoints, expect);
  });
}

test('keys match case-insensitively and come out canonical', () => {
  const { config, issues } = validateDynamicConfig({
    HTTP: {
      Routers: { web: { RULE: 'Host(`a`)', entrypoints: ['web'], SERVICE: 'app' } },
      services: { app: { LoadBalancer: { Servers: [{ URL: 'http://a:80' }], passhostheader: 'false' } } },
      middlewares: { rl: { ratelimit: { AVERAGE: 5 } } },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http.routers.web, { rule: 'Host(`a`)', entryPoints: ['web'], service: 'app' });
  const app = config.http.services.app;
  assert.ok(app !== undefined && 'loadBalancer' in app);
  assert.equal(app.loadBalancer.passHostHeader, false);
  assert.equal(app.loadBalancer.servers[0]?.url, 'http://a:80');
  assert.ok(config.http.middlewares.rl !== undefined && 'rateLimit' in config.http.middlewares.rl);
});

test('static keys match case-insensitively (entrypoints == entryPoints)', () => {
  const { config, issues } = validateStaticConfig({ ENTRYPOINTS: { web: { Address: ':8000', ASDEFAULT: 't' } } });
  assert.deepEqual(issues, []);
  assert.equal(config.entryPoints.web?.address, ':8000');
  assert.equal(config.entryPoints.web?.asDefault, true);
});

test('the same key twice in different case is an error', () => {
  const { issues } = validateDynamicConfig({ http: { routers: { r: { rule: 'Path(`/`)', Rule: 'Path(`/x`)' } } } });
  assert.equal(issues.length, 1);
  assert.match(issues[0]?.message ?? '', /"rule" is given twice/);
});
