import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';
import { startBackend } from '../../support/backends.js';
import { buildInput, entryPointOptions, fileMiddlewares, startProxy } from '../../support/proxy-fixture.js';
import { httpRequest } from '../../support/tls-clients.js';

// ipAllowList / ipWhiteList through the real proxy; the client is always 127.0.0.1.

async function setup(t: { after: (fn: () => Promise<void>) => void }, middleware: Record<string, unknown>, trustForwarded = false) {
  const options = validateDynamicConfig({ http: { middlewares: { m: middleware } } }).config.http.middlewares.m;
  assert.ok(options !== undefined);
  const app = await startBackend('app');
  t.after(() => app.close());
  const proxy = await startProxy(
    buildInput({
      http: {
        routers: { 'r@file': { rule: 'PathPrefix(`/`)', service: 's', middlewares: ['m'] } },
        services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
        middlewares: { 'm@file': options },
      },
    }),
    [entryPointOptions('web', '127.0.0.1:0', { forwardedHeaders: { insecure: trustForwarded, trustedIPs: [] } })],
  );
  t.after(() => proxy.close(0));
  const port = proxy.port('web');
  return { app, get: (headers: Record<string, string> = {}) => httpRequest({ port, host: 'x.test', headers }) };
}

const CASES: [name: string, middleware: Record<string, unknown>, status: number, body: string][] = [
  ['outside sourceRange: 403 Forbidden', { ipAllowList: { sourceRange: ['10.0.0.0/8'] } }, 403, 'Forbidden'],
  ['rejectStatusCode 404', { ipAllowList: { sourceRange: ['10.0.0.0/8'], rejectStatusCode: 404 } }, 404, 'Not Found'],
  ['inside sourceRange (CIDR)', { ipAllowList: { sourceRange: ['10.0.0.0/8', '127.0.0.0/8'] } }, 200, 'app'],
  ['inside sourceRange (single IP)', { ipAllowList: { sourceRange: ['::1', '127.0.0.1'] } }, 200, 'app'],
  ['ipWhiteList alias refuses with 403', { ipWhiteList: { sourceRange: ['10.0.0.0/8'] } }, 403, 'Forbidden'],
  ['ipWhiteList alias allows', { ipWhiteList: { sourceRange: '127.0.0.1' } }, 200, 'app'],
];

for (const [name, middleware, status, body] of CASES) {
  test(`ipAllowList: ${name}`, async (t) => {
    const { app, get } = await setup(t, middleware);
    const res = await get();
    assert.equal(res.status, status);
    assert.equal(res.body, body);
    if (status !== 200) {
      assert.equal(res.headers['content-type'], undefined, 'the reject body has no Content-Type');
      assert.equal(app.seen.length, 0);
    }
  });
}

test('ipStrategy depth 1 reads X-Forwarded-For from a trusted peer only', async (t) => {
  const middleware = { ipAllowList: { sourceRange: ['10.0.0.0/8'], ipStrategy: { depth: 1 } } };
  const trusted = await setup(t, middleware, true);
  assert.equal((await trusted.get({ 'x-forwarded-for': '1.2.3.4, 10.9.9.9' })).status, 200);
  assert.equal((await trusted.get({ 'x-forwarded-for': '10.9.9.9, 1.2.3.4' })).status, 403);
  assert.equal((await trusted.get()).status, 403, 'no header: no IP, refused');

  const untrusted = await setup(t, middleware, false);
  assert.equal((await untrusted.get({ 'x-forwarded-for': '10.9.9.9' })).status, 403, "an untrusted peer's header was dropped");
});

test('ipStrategy excludedIPs skips our own proxies in X-Forwarded-For', async (t) => {
  const { get } = await setup(t, { ipAllowList: { sourceRange: ['10.0.0.0/8'], ipStrategy: { excludedIPs: ['192.168.0.0/16'] } } }, true);
  assert.equal((await get({ 'x-forwarded-for': '10.1.1.1, 192.168.0.2, 192.168.0.3' })).status, 200);
  assert.equal((await get({ 'x-forwarded-for': '10.1.1.1, 8.8.8.8, 192.168.0.3' })).status, 403);
});

test('a sourceRange that is not an IP or CIDR disables the router (404), naming the option', async (t) => {
  const { get } = await setup(t, { ipAllowList: { sourceRange: ['10.0.0.0/99'] } });
  const res = await get();
  assert.equal(res.status, 404);
  assert.equal(res.body, '404 page not found\n');
});

// The deprecated ipWhiteList reads the same ipStrategy as ipAllowList: each row fails if the option were ignored
// (the client would be 127.0.0.1, outside every sourceRange here).
const WHITELIST_STRATEGIES: [name: string, ipStrategy: Record<string, unknown>, sourceRange: string[], allowed: string, refused: string][] = [
  ['ipWhiteList ipStrategy.depth 2 takes the second address from the right', { depth: 2 }, ['10.0.0.0/8'], '1.2.3.4, 10.1.1.1, 8.8.8.8', '10.1.1.1, 1.2.3.4, 8.8.8.8'],
  ['ipWhiteList ipStrategy.excludedIPs skips the listed proxies', { excludedIPs: ['192.168.0.0/16'] }, ['10.0.0.0/8'], '10.1.1.1, 192.168.0.2', '10.1.1.1, 8.8.8.8, 192.168.0.2'],
  ['ipWhiteList ipStrategy.ipv6Subnet 64 checks the first address of the /64', { depth: 1, ipv6Subnet: 64 }, ['2001:db8::/128'], '2001:db8::abcd', '2001:db8:0:1::abcd'],
];

for (const [name, ipStrategy, sourceRange, allowed, refused] of WHITELIST_STRATEGIES) {
  test(name, async (t) => {
    const { get } = await setup(t, { ipWhiteList: { sourceRange, ipStrategy } }, true);
    assert.equal((await get({ 'x-forwarded-for': allowed })).status, 200, allowed);
    assert.equal((await get({ 'x-forwarded-for': refused })).status, 403, refused);
  });
}

// Each list keeps the verdicts of the addresses it checked (proxy/http/address-verdicts.ts): a verdict is never
// another list's, nor one from before a reload that changed the list.
test('kept verdicts: two lists judge the same address each by its own ranges, and a reload that changes sourceRange judges anew', async (t) => {
  const middlewares = (inside: string) => fileMiddlewares({
    a: { ipAllowList: { sourceRange: [inside], ipStrategy: { depth: 1 } } },
    b: { ipAllowList: { sourceRange: ['192.168.0.0/16'], ipStrategy: { depth: 1 } } },
  });
  const app = await startBackend('app');
  t.after(() => app.close());
  const input = (inside: string) => buildInput({
    http: {
      routers: {
        'a@file': { rule: 'PathPrefix(`/a`)', service: 's', middlewares: ['a'] },
        'b@file': { rule: 'PathPrefix(`/b`)', service: 's', middlewares: ['b'] },
      },
      services: { 's@file': { loadBalancer: { servers: [{ url: app.url }] } } },
      middlewares: middlewares(inside),
    },
  });
  const proxy = await startProxy(input('10.0.0.0/8'), [entryPointOptions('web', '127.0.0.1:0', { forwardedHeaders: { insecure: true, trustedIPs: [] } })]);
  t.after(() => proxy.close(0));
  const status = async (path: string, xff: string): Promise<number> =>
    (await httpRequest({ port: proxy.port('web'), host: 'x.test', path, headers: { 'x-forwarded-for': xff } })).status;
  for (let round = 0; round < 2; round++) {
    assert.equal(await status('/a', '10.1.2.3'), 200, 'inside a');
    assert.equal(await status('/b', '10.1.2.3'), 403, 'not inside b, though a allowed it');
    assert.equal(await status('/b', '192.168.1.1'), 200, 'inside b');
    assert.equal(await status('/a', '192.168.1.1'), 403, 'not inside a, though b allowed it');
  }
  proxy.apply(input('192.168.0.0/16'));
  assert.equal(await status('/a', '10.1.2.3'), 403, 'a no longer holds 10.0.0.0/8');
  assert.equal(await status('/a', '192.168.1.1'), 200, 'a now holds 192.168.0.0/16');
});
