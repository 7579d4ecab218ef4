// What a rebuild reuses: compiled rules and load balancers of routers and services whose configuration did
// not change are carried into the new runtime; anything changed is built again; anything gone is released.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EdgeProxy, type BuildInput } from '../../../proxy/index.js';
import { sameJson } from '../../../proxy/services/carried-balancers.js';
import { buildInput } from '../../support/proxy-fixture.js';

type Services = Record<string, BuildInput['http']['services'][string]>;
type Routers = Record<string, BuildInput['http']['routers'][string]>;

function input(routers: Routers, services: Services): BuildInput {
  return buildInput({ http: { routers, services } });
}

/** Fresh objects every call, as a provider hands them over. */
const services = (aPort = 1, extra: Services = {}): Services => ({
  'a@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${aPort}` }] } },
  'b@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:2' }], passHostHeader: true } },
  ...extra,
});
const routers = (): Routers => ({
  'a@file': { rule: 'Host(`a.test`)', service: 'a' },
  'b@file': { rule: 'Host(`b.test`) && PathPrefix(`/b`)', service: 'b' },
  'bad@file': { rule: 'Host(`c.test`', service: 'b' },
});

describe('rebuilds carry what did not change', () => {
  const proxy = new EdgeProxy([], input(routers(), services()));
  after(() => proxy.close(0));

  it('an equal configuration keeps every load balancer; a changed service gets a new one, alone', () => {
    const first = proxy.runtime;
    const same = proxy.apply(input(routers(), services()));
    assert.equal(same.loadBalancers.get('a@file'), first.loadBalancers.get('a@file'));
    assert.equal(same.loadBalancers.get('b@file'), first.loadBalancers.get('b@file'));
    assert.equal(proxy.upstreamPoolCount, 2);

    const changed = proxy.apply(input(routers(), services(3)));
    assert.notEqual(changed.loadBalancers.get('a@file'), first.loadBalancers.get('a@file'));
    assert.equal(changed.loadBalancers.get('b@file'), first.loadBalancers.get('b@file'));
    assert.equal(changed.loadBalancers.get('a@file')?.upstreams[0]?.url, 'http://127.0.0.1:3');
    assert.equal(proxy.upstreamPoolCount, 2, 'the pool of the server no service uses any more is released');
  });

  it('a removed service is not carried: adding it back builds it again', () => {
    const before = proxy.apply(input(routers(), services(1, { 'c@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:4' }] } } })));
    const c = before.loadBalancers.get('c@file');
    assert.ok(c !== undefined);
    assert.equal(proxy.upstreamPoolCount, 3);
    proxy.apply(input(routers(), services(1)));
    assert.equal(proxy.upstreamPoolCount, 2);
    const again = proxy.apply(input(routers(), services(1, { 'c@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:4' }] } } })));
    assert.notEqual(again.loadBalancers.get('c@file'), c);
    assert.equal(proxy.upstreamPoolCount, 3);
  });

  it('a rule that does not compile reports the same error on every build', () => {
    const one = proxy.apply(input(routers(), services()));
    const two = proxy.apply(input(routers(), services()));
    const error = one.status.get('router', 'bad@file');
    assert.equal(error?.status, 'disabled');
    assert.deepEqual(two.status.get('router', 'bad@file'), error);
    assert.equal(two.status.get('router', 'b@file')?.status, 'enabled');
  });

  it('a carried rule still routes as its own router: the same rule on a renamed router', () => {
    const renamed = routers();
    renamed['b2@file'] = renamed['b@file'] as Routers[string];
    delete renamed['b@file'];
    const runtime = proxy.apply(input(renamed, services()));
    assert.equal(runtime.status.get('router', 'b2@file')?.status, 'enabled');
    assert.equal(runtime.status.get('router', 'b@file'), undefined);
  });
});

describe('sameJson: the configuration equality carried balancers use', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['equal objects, other key order', { a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    ['an undefined property is an absent one', { a: 1, b: undefined }, { a: 1 }, true],
    ['a different value', { a: 1 }, { a: 2 }, false],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['an extra key', { a: 1 }, { a: 1, b: 2 }, false],
    ['array against object', [1], { 0: 1 }, false],
    ['arrays of other lengths', [1, 2], [1], false],
    ['null against object', null, {}, false],
    ['nested difference', { a: { b: { c: true } } }, { a: { b: { c: false } } }, false],
  ];
  for (const [name, a, b, expected] of cases) it(name, () => assert.equal(sameJson(a, b), expected));
});

describe('a balancer rebuilt for a changed service continues the rotation', () => {
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  const pool = (ports: number[], passHostHeader: boolean): Services => ({ 'app@file': { loadBalancer: { servers: ports.map((p) => ({ url: url(p) })), passHostHeader } } });
  const appRouter: Routers = { 'app@file': { rule: 'Host(`app.test`)', service: 'app' } };
  const proxy = new EdgeProxy([], input(appRouter, pool([11, 12, 13], true)));
  after(() => proxy.close(0));
  const pick = (): string => proxy.runtime.loadBalancers.get('app@file')?.balancer.next('')?.url ?? '-';

  it('an option changed on every build: strict rotation goes on (not the first server every time)', () => {
    const seen = Array.from({ length: 9 }, (_, i) => {
      proxy.apply(input(appRouter, pool([11, 12, 13], i % 2 === 0)));
      return pick();
    });
    for (let i = 0; i < 9; i += 3) assert.equal(new Set(seen.slice(i, i + 3)).size, 3, `every three builds, the three servers: ${seen.join(' ')}`);
  });

  it('a server added and removed on every build: the three others share evenly (within 10 %)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      proxy.apply(input(appRouter, pool(i % 2 === 0 ? [11, 12, 13, 14] : [11, 12, 13], true)));
      const server = pick();
      counts.set(server, (counts.get(server) ?? 0) + 1);
    }
    const three = [11, 12, 13].map((p) => counts.get(url(p)) ?? 0);
    const mean = three.reduce((a, b) => a + b, 0) / 3;
    for (const n of three) assert.ok(Math.abs(n - mean) <= mean * 0.1, `picks per server ${JSON.stringify(Object.fromEntries(counts))}`);
  });
});

