// Go's net.SplitHostPort / JoinHostPort, as Traefik applies them (access log fields, the ACME HTTP-01 host,
// health probe addresses): cases from Go's own net/ipsock_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostOrWhole, joinHostPort, serverAddress, splitHostPort } from '../../../proxy/http/host-port.js';

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

// Go returns an error for each, and says why (net/ipsock_test.go's splitFailureTests and a few more): pe-edge's
// callers take the whole value (Traefik's silentSplitHostPort) or report the reason (UDP and TCP servers).
const failures: [string, string][] = [
  ['www.golang.org', 'missing port in address'],
  ['127.0.0.1', 'missing port in address'],
  ['[::1]', 'missing port in address'],
  ['[fe80::1%lo0]', 'missing port in address'],
  ['[localhost%lo0]', 'missing port in address'],
  ['localhost%lo0', 'missing port in address'],
  ['::1', 'too many colons in address'],
  ['fe80::1%lo0', 'too many colons in address'],
  ['fe80::1%lo0:80', 'too many colons in address'],
  ['[foo:bar]', 'missing port in address'],
  ['[foo:bar]baz', 'missing port in address'],
  ['[foo]bar:baz', 'missing port in address'],
  ['[foo]:[bar]:baz', 'too many colons in address'],
  ['[foo]:[bar]baz', "unexpected '[' in address"],
  ['foo[bar]:baz', "unexpected '[' in address"],
  ['foo]bar:baz', "unexpected ']' in address"],
  ['[::1', "missing ']' in address"],
  ['::1:80', 'too many colons in address'],
  ['[::1]:80:90', 'too many colons in address'],
  ['[::1]x:80', 'missing port in address'],
  ['[a]:b]:80', 'too many colons in address'],
  ['', 'missing port in address'],
];
for (const [hostport, why] of failures) {
  test(`splitHostPort(${JSON.stringify(hostport)}) fails as Go's does: ${why}`, () => {
    assert.equal(splitHostPort(hostport), why);
    assert.equal(hostOrWhole(hostport), hostport, 'the whole value where it does not split');
  });
}

test('hostOrWhole: the host of what splits, brackets removed', () => {
  assert.equal(hostOrWhole('[::1]:8080'), '::1');
  assert.equal(hostOrWhole('example.com:443'), 'example.com');
});

test('serverAddress: Go\'s split and a numeric port up to 65535, or why not', () => {
  assert.deepEqual(serverAddress('10.0.0.2:53'), { host: '10.0.0.2', port: 53 });
  assert.deepEqual(serverAddress('[::1]:65535'), { host: '::1', port: 65535 });
  assert.equal(serverAddress('10.0.0.2'), 'missing port in address');
  assert.equal(serverAddress('host:65536'), 'invalid port "65536"');
  assert.equal(serverAddress('host:dns'), 'invalid port "dns"');
  assert.equal(serverAddress('host:'), 'invalid port ""');
});

test('joinHostPort brackets an IPv6 host, as Go writes a remote address', () => {
  assert.equal(joinHostPort('::1', 52314), '[::1]:52314');
  assert.equal(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(joinHostPort('example.com', '8080'), 'example.com:8080');
});
