// Go's net.SplitHostPort / JoinHostPort, as Traefik applies them (access log fields, the ACME HTTP-01 host,
// health probe addresses): cases from Go's own net/ipsock_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinHostPort, splitHostPort } from '../../../proxy/http/host-port.js';

const splits: [string, string, string][] = [
  ['localhost:http', 'localhost', 'http'],
  ['localhost:80', 'localhost', '80'],
  ['[::1]:80', '::1', '80'],
  ['[fe80::1%lo0]:80', 'fe80::1%lo0', '80'],
  ['127.0.0.1:', '127.0.0.1', ''],
  [':80', '', '80'],
  ['[]:80', '', '80'],
];
for (const [hostport, host, port] of splits) {
  test(`splitHostPort(${JSON.stringify(hostport)}) is ${host} and ${port}`, () => {
    assert.deepEqual(splitHostPort(hostport), { host, port });
  });
}

// Go returns an error for each: pe-edge's callers then take the whole value (Traefik's silentSplitHostPort).
for (const hostport of ['golang.org', '127.0.0.1', '[::1]', '::1', '::1:80', '[::1]:80:90', '[::1]x:80', '[foo:bar]baz:80', 'fe80::1:80', '[a]:b]:80', 'a[b]:80', '']) {
  test(`splitHostPort(${JSON.stringify(hostport)}) fails as Go's does`, () => {
    assert.equal(splitHostPort(hostport), null);
  });
}

test('joinHostPort brackets an IPv6 host, as Go writes a remote address', () => {
  assert.equal(joinHostPort('::1', 52314), '[::1]:52314');
  assert.equal(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(joinHostPort('example.com', '8080'), 'example.com:8080');
});
