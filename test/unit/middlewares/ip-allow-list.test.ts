import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Handler } from '../../../proxy/http/request-context.js';
import { fakeContext } from './fake-context.js';
import { IpChecker } from '../../../proxy/middlewares/traffic/ip-checker.js';
import { createIpAllowList } from '../../../proxy/middlewares/traffic/ip-allow-list.js';

const RANGE = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', '172.16.0.1/12'];

test('sourceRange matching, as Traefik ip.Checker', () => {
  const checker = new IpChecker(RANGE, 'sourceRange');
  const table: [address: string, allowed: boolean][] = [
    ['10.1.2.3', true],
    ['11.0.0.1', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['172.31.255.255', true, /* host bits in a CIDR are ignored */],
    ['172.32.0.0', false],
    ['2001:db8:1::5', true],
    ['2001:db9::5', false],
    ['::1', true],
    ['::ffff:10.9.9.9', true],
    ['10.1.2.3:5555', true],
    ['[2001:db8::1]:443', true],
    // Go's SplitHostPort refuses these, so the whole value is tested (and is no IP): never the part in brackets.
    ['[10.1.2.3]:80:90', false],
    ['[10.1.2.3]x:80', false],
    ['[10.1.2.3]', false],
    ['fe80::1%eth0', false],
    ['', false],
    ['garbage', false],
  ];
  for (const [address, allowed] of table) assert.equal(checker.authorizes(address), allowed, address);
});

test('bad options are refused when the middleware is built, naming the option', () => {
  const next: Handler = () => undefined;
  assert.throws(() => createIpAllowList({ sourceRange: ['10.0.0.0/33'] }, next), /ipAllowList\.sourceRange: "10\.0\.0\.0\/33"/);
  assert.throws(() => createIpAllowList({ sourceRange: ['nope'] }, next), /ipAllowList\.sourceRange/);
  assert.throws(() => createIpAllowList({ sourceRange: [] }, next), /sourceRange is empty/);
  assert.throws(() => createIpAllowList({ sourceRange: ['::1'], rejectStatusCode: 499 }, next), /rejectStatusCode: invalid HTTP status code 499/);
});

test('reject status and body: the status text Go knows', () => {
  const table: [code: number | undefined, body: string][] = [
    [undefined, 'Forbidden'],
    [404, 'Not Found'],
    [418, "I'm a teapot"],
    [413, 'Request Entity Too Large'],
  ];
  for (const [code, body] of table) {
    const { ctx, answer } = fakeContext();
    const handler = createIpAllowList({ sourceRange: ['10.0.0.0/8'], rejectStatusCode: code }, () => assert.fail('forwarded'));
    handler({ ...ctx, clientIp: '127.0.0.1' });
    const written = answer();
    assert.deepEqual(written && { status: written.status, body: written.body }, { status: code ?? 403, body }, String(code));
  }
});
