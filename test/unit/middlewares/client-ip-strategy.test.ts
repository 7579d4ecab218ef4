import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import { fakeContext } from './fake-context.js';
import { setRequestHeader } from '../../../proxy/http/request-header-edit.js';
import { createClientIpStrategy, ipv6SubnetAddress, type IpStrategyOptions } from '../../../proxy/middlewares/traffic/client-ip-strategy.js';

function ctx(clientIp: string, xff: string | undefined, trusted = true): RequestContext {
  const { ctx: base } = fakeContext({ trustForwarded: trusted, headers: xff === undefined ? [] : [['X-Forwarded-For', xff]] });
  return { ...base, clientIp };
}

const CASES: [name: string, strategy: IpStrategyOptions | undefined, clientIp: string, xff: string | undefined, expect: string][] = [
  ['absent: the peer', undefined, '10.0.0.9', '1.1.1.1', '10.0.0.9'],
  ['empty: the peer', {}, '10.0.0.9', '1.1.1.1', '10.0.0.9'],
  ['depth 1: rightmost', { depth: 1 }, '10.0.0.9', '1.1.1.1, 2.2.2.2,3.3.3.3', '3.3.3.3'],
  ['depth 3', { depth: 3 }, '10.0.0.9', '1.1.1.1, 2.2.2.2, 3.3.3.3', '1.1.1.1'],
  ['depth beyond the list', { depth: 4 }, '10.0.0.9', '1.1.1.1, 2.2.2.2, 3.3.3.3', ''],
  ['depth 1 without the header', { depth: 1 }, '10.0.0.9', undefined, ''],
  ['depth wins over excludedIPs', { depth: 1, excludedIPs: ['3.3.3.3'] }, '10.0.0.9', '1.1.1.1, 3.3.3.3', '3.3.3.3'],
  ['excludedIPs: rightmost not excluded', { excludedIPs: ['3.3.3.0/24', '2.2.2.2'] }, '10.0.0.9', '1.1.1.1, 2.2.2.2, 3.3.3.3', '1.1.1.1'],
  ['excludedIPs: all excluded', { excludedIPs: ['0.0.0.0/0'] }, '10.0.0.9', '1.1.1.1, 2.2.2.2', ''],
  ['excludedIPs skip empty entries', { excludedIPs: ['2.2.2.2'] }, '10.0.0.9', '1.1.1.1,, 2.2.2.2', '1.1.1.1'],
  ['ipv6Subnet masks the peer', { ipv6Subnet: 64 }, '2001:db8:1:2:3:4:5:6', undefined, '2001:db8:1:2::'],
  ['ipv6Subnet leaves IPv4 alone', { ipv6Subnet: 64 }, '10.0.0.9', undefined, '10.0.0.9'],
  ['ipv6Subnet masks the depth result', { depth: 1, ipv6Subnet: 48 }, '10.0.0.9', '2001:db8:aa:bb::1', '2001:db8:aa::'],
];

test('client IP strategy picks the address Traefik picks', () => {
  for (const [name, strategy, clientIp, xff, expect] of CASES) {
    assert.equal(createClientIpStrategy(strategy, 'ipStrategy')(ctx(clientIp, xff)), expect, name);
  }
});

test("an untrusted peer's X-Forwarded-For does not count, one set by a middleware does", () => {
  const depth = createClientIpStrategy({ depth: 1 }, 'ipStrategy');
  assert.equal(depth(ctx('10.0.0.9', '1.1.1.1', false)), '');
  const c = ctx('10.0.0.9', '1.1.1.1', false);
  setRequestHeader(c, 'X-Forwarded-For', '4.4.4.4');
  assert.equal(depth(c), '4.4.4.4');
});

test('ipv6Subnet gives the first address of the network, as Go prints it', () => {
  const table: [ip: string, bits: number, expect: string][] = [
    ['2001:db8::1', 128, '2001:db8::1'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 33, '2001:db8:8000::'],
    ['fe80::1:2', 1, '8000::'],
    ['1:0:0:2:0:0:0:3', 128, '1:0:0:2::3'],
    ['::ffff:10.1.2.3', 120, '::ffff:10.1.2.0'],
    ['not-an-ip', 64, 'not-an-ip'],
  ];
  for (const [ip, bits, expect] of table) assert.equal(ipv6SubnetAddress(ip, bits), expect, `${ip}/${bits}`);
});

test('a bad excludedIPs entry is refused when the middleware is built, naming the option', () => {
  assert.throws(() => createClientIpStrategy({ excludedIPs: ['1.2.3.4/99'] }, 'rateLimit.sourceCriterion.ipStrategy'), /rateLimit\.sourceCriterion\.ipStrategy\.excludedIPs: "1\.2\.3\.4\/99"/);
});
