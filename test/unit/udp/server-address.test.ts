import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitServerAddress } from '../../../proxy/udp/server-address.js';

// Go's net.SplitHostPort, which decides whether Traefik keeps a UDP server (a server that does not split is skipped).
const cases: { address: string; expected: { host: string; port: number } | string }[] = [
  { address: '10.0.0.2:53', expected: { host: '10.0.0.2', port: 53 } },
  { address: 'dns.internal:5353', expected: { host: 'dns.internal', port: 5353 } },
  { address: '[::1]:53', expected: { host: '::1', port: 53 } },
  { address: ':53', expected: { host: '', port: 53 } },
  { address: '10.0.0.2', expected: 'address 10.0.0.2: missing port in address' },
  { address: '::1:53', expected: 'address ::1:53: too many colons in address' },
  { address: '[::1]53', expected: 'address [::1]53: missing port in address' },
  { address: '[::1', expected: 'address [::1: missing \']\' in address' },
  { address: '[::1]x:53', expected: 'address [::1]x:53: missing port in address' },
  { address: '[::1]:53:54', expected: 'address [::1]:53:54: too many colons in address' },
  { address: 'a[b]:53', expected: 'address a[b]:53: unexpected \'[\' in address' },
  { address: 'a]b:53', expected: 'address a]b:53: unexpected \']\' in address' },
  { address: 'host:99999', expected: 'address host:99999: invalid port "99999"' },
  { address: 'host:dns', expected: 'address host:dns: invalid port "dns"' },
];

for (const c of cases) {
  test(`UDP server address ${JSON.stringify(c.address)}`, () => {
    const split = splitServerAddress(c.address);
    if (typeof c.expected === 'string') assert.equal(split instanceof Error ? split.message : split, c.expected);
    else assert.deepEqual(split, c.expected);
  });
}
