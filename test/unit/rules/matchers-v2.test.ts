import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, RuleSyntaxError } from '../../../proxy/rules/compile.js';
import { requestContext, type RequestSpec } from '../../support/request-context.js';

/** v2 syntax (ruleSyntax: v2): several args are OR, gorilla templates, pair matchers. */
const cases: readonly { rule: string; matches: RequestSpec[]; misses: RequestSpec[] }[] = [
  {
    rule: 'Host(`a.test`, `B.test.`)',
    matches: [{ host: 'a.test' }, { host: 'b.test:80' }],
    misses: [{ host: 'c.test' }],
  },
  { rule: 'HostHeader(`a.test`)', matches: [{ host: 'A.test' }], misses: [{ host: 'x.a.test' }] },
  {
    rule: 'HostRegexp(`{sub:[a-z]+}.example.com`, `example.org`)',
    matches: [{ host: 'api.example.com' }, { host: 'example.org' }, { host: 'API.example.com' }],
    misses: [{ host: 'a1.example.com' }, { host: 'x.api.example.com' }, { host: 'exampleXorg' }],
  },
  { rule: 'HostRegexp(`{sub}.a.test`)', matches: [{ host: 'x.a.test' }], misses: [{ host: 'x.y.a.test' }] },
  {
    rule: 'Path(`/users/{id:[0-9]+}`, `/me`)',
    matches: [{ url: '/users/42' }, { url: '/me' }],
    misses: [{ url: '/users/x' }, { url: '/users/42/x' }, { url: '/me/' }],
  },
  {
    rule: 'PathPrefix(`/api/{v:v[0-9]}/`)',
    matches: [{ url: '/api/v1/x' }],
    misses: [{ url: '/api/vx/x' }, { url: '/api/v1' }],
  },
  { rule: 'PathPrefix(`/api`)', matches: [{ url: '/api/x' }, { url: '/apiv2' }], misses: [{ url: '/ap' }] },
  { rule: 'Path(`/a.b`)', matches: [{ url: '/a.b' }], misses: [{ url: '/axb' }] },
  { rule: 'Method(`get`, `POST`)', matches: [{ method: 'GET' }, { method: 'POST' }], misses: [{ method: 'PUT' }] },
  {
    rule: 'Headers(`X-A`, `1`)',
    matches: [{ headers: [['X-A', '2'], ['x-a', '1']] }],
    misses: [{ headers: [['X-A', '1, 2']] }, { headers: [] }],
  },
  {
    rule: 'HeadersRegexp(`X-A`, `^[0-9]+$`, `X-B`, `b`)',
    matches: [{ headers: [['X-A', '12'], ['X-B', 'abc']] }],
    misses: [{ headers: [['X-A', '12']] }, { headers: [['X-A', 'x'], ['X-B', 'b']] }],
  },
  {
    rule: 'Query(`a=1`, `b={v:[0-9]+}`)',
    matches: [{ url: '/?a=1&b=22' }, { url: '/?b=3;a=1' }],
    misses: [{ url: '/?a=1&b=x' }, { url: '/?a=2&b=1' }, { url: '/?a=1' }],
  },
  { rule: 'Query(`a=`)', matches: [{ url: '/?a=anything' }, { url: '/?a' }], misses: [{ url: '/?b=1' }] },
  { rule: 'Query(`a=1`)', matches: [{ url: '/?a=1&a=2' }], misses: [{ url: '/?a=2&a=1' }] },
  {
    rule: 'ClientIP(`10.0.0.0/8`, `::1`)',
    matches: [{ clientIp: '10.1.2.3' }, { clientIp: '::1' }],
    misses: [{ clientIp: '11.0.0.1' }],
  },
  {
    rule: 'Host(`a.test`) && !PathPrefix(`/admin`, `/debug`)',
    matches: [{ host: 'a.test', url: '/x' }],
    misses: [{ host: 'a.test', url: '/debug/x' }],
  },
];

for (const c of cases) {
  test(`v2: ${c.rule}`, () => {
    const rule = compileRule(c.rule, 'v2');
    for (const spec of c.matches) assert.equal(rule.match(requestContext(spec)), true, `should match ${JSON.stringify(spec)}`);
    for (const spec of c.misses) assert.equal(rule.match(requestContext(spec)), false, `should not match ${JSON.stringify(spec)}`);
  });
}

const v2Errors: readonly (readonly [string, RegExp])[] = [
  ['Header(`a`, `b`)', /Header is a v3 matcher only; did you mean Headers\?/],
  ['PathRegexp(`x`)', /did you mean Path\?/],
  ['Path(`x`)', /path must start with a slash/],
  ['Headers(`a`)', /multiple of 2/],
  ['Query(`a`)', /expected key=value/],
  ['Path(`/{id:[0-9]+`)', /unbalanced braces/],
  ['Host()', /no args for matcher Host/],
];

for (const [rule, message] of v2Errors) {
  test(`v2 error: ${rule}`, () => assert.throws(() => compileRule(rule, 'v2'), (e: unknown) => e instanceof RuleSyntaxError && message.test(e.message)));
}

test('v3 rejects v2 multi-argument forms', () => {
  assert.throws(() => compileRule('Host(`a`, `b`)'), /unexpected number of parameters/);
  assert.throws(() => compileRule('Headers(`a`, `b`)'), /v2 matcher only/);
});
