import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProxyHeader, type HeaderReading } from '../../../proxy/entrypoints/proxy-protocol/header.js';

const SIG = '0d0a0d0a000d0a515549540a';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const text = (s: string): Buffer => Buffer.from(s, 'latin1');

// v2 vectors: signature, version/command, family, length, addresses (and TLVs).
const V2_TCP4 = `${SIG} 21 11 000c  cb007107 7f000001  9c40 0050`;
const V2_TCP6 = `${SIG} 21 21 0024  20010db8000000000000000000000005 00000000000000000000000000000001  c738 01bb`;
const V2_TCP6_TLV = `${SIG} 21 21 002a  20010db8000000000000000000000005 00000000000000000000000000000001  c738 01bb  040003 010203`;
const V2_MAPPED = `${SIG} 21 21 0024  00000000000000000000ffffcb007109 00000000000000000000000000000001  0001 0002`;

const cases: { desc: string; bytes: Buffer; expect: HeaderReading }[] = [
  { desc: 'v1 TCP4', bytes: text('PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\nGET'), expect: { length: 43, source: { address: '203.0.113.7', port: 40000, family: 'IPv4' } } },
  { desc: 'v1 TCP6', bytes: text('PROXY TCP6 2001:db8::1 ::1 51000 443\r\n'), expect: { length: 38, source: { address: '2001:db8::1', port: 51000, family: 'IPv6' } } },
  { desc: 'v1 TCP6 with an IPv4 address (nginx, accepted by go-proxyproto)', bytes: text('PROXY TCP6 203.0.113.7 ::1 1 2\r\n'), expect: { length: 32, source: { address: '203.0.113.7', port: 1, family: 'IPv4' } } },
  { desc: 'v1 UNKNOWN: no source', bytes: text('PROXY UNKNOWN\r\n'), expect: { length: 15, source: null } },
  { desc: 'v1 UNKNOWN with addresses', bytes: text('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n'), expect: { length: 59, source: null } },
  { desc: 'v1 incomplete', bytes: text('PROXY TCP4 203.0.113.7'), expect: 'incomplete' },
  { desc: 'v1 signature incomplete', bytes: text('PRO'), expect: 'incomplete' },
  { desc: 'v1 without CR', bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'), expect: { error: 'PROXY v1 header must end with CRLF' } },
  { desc: 'v1 IPv6 in TCP4', bytes: text('PROXY TCP4 ::1 ::1 1 2\r\n'), expect: { error: 'PROXY v1 header: invalid address' } },
  { desc: 'v1 port out of range', bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), expect: { error: 'PROXY v1 header: invalid port number' } },
  { desc: 'v1 too few fields', bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), expect: { error: 'PROXY v1 header: cannot read address family and protocol' } },
  { desc: 'v1 unknown protocol', bytes: text('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), expect: { error: 'PROXY v1 header: cannot read address family and protocol' } },
  { desc: 'v1 longer than 107 bytes', bytes: text(`PROXY TCP4 ${'1'.repeat(100)}`), expect: { error: 'PROXY v1 header too long' } },
  { desc: 'v2 TCP4', bytes: Buffer.concat([hex(V2_TCP4), text('GET')]), expect: { length: 28, source: { address: '203.0.113.7', port: 40000, family: 'IPv4' } } },
  { desc: 'v2 TCP6', bytes: hex(V2_TCP6), expect: { length: 52, source: { address: '2001:db8::5', port: 51000, family: 'IPv6' } } },
  { desc: 'v2 TCP6 with a TLV skipped', bytes: hex(V2_TCP6_TLV), expect: { length: 58, source: { address: '2001:db8::5', port: 51000, family: 'IPv6' } } },
  { desc: 'v2 IPv4-mapped shown as IPv4 (Go net.IP.String)', bytes: hex(V2_MAPPED), expect: { length: 52, source: { address: '203.0.113.9', port: 1, family: 'IPv6' } } },
  { desc: 'v2 LOCAL: no source', bytes: hex(`${SIG} 20 00 0000`), expect: { length: 16, source: null } },
  { desc: 'v2 LOCAL with addresses: no source', bytes: hex(V2_TCP4.replace(`${SIG} 21`, `${SIG} 20`)), expect: { length: 28, source: null } },
  { desc: 'v2 incomplete payload', bytes: hex(V2_TCP6).subarray(0, 40), expect: 'incomplete' },
  { desc: 'v2 signature incomplete', bytes: hex(SIG).subarray(0, 7), expect: 'incomplete' },
  { desc: 'v2 bad version/command', bytes: hex(`${SIG} 11 11 000c 00000000 00000000 0000 0000`), expect: { error: 'PROXY v2 header: unsupported version and command' } },
  { desc: 'v2 PROXY with UNSPEC', bytes: hex(`${SIG} 21 00 0000`), expect: { error: 'PROXY v2 header: unsupported address family and protocol' } },
  { desc: 'v2 TCP4 length too short', bytes: hex(`${SIG} 21 11 0008 00000000 00000000`), expect: { error: 'PROXY v2 header: invalid length' } },
  { desc: 'v2 length over 4096', bytes: hex(`${SIG} 21 11 1001`), expect: { error: 'PROXY v2 header: invalid length' } },
  { desc: 'v2 unknown family', bytes: hex(`${SIG} 21 41 000c`), expect: { error: 'PROXY v2 header: invalid length' } },
  { desc: 'v2 AF_UNIX: no IP source', bytes: Buffer.concat([hex(`${SIG} 21 31 00d8`), Buffer.alloc(216)]), expect: { length: 232, source: null } },
  { desc: 'HTTP request: no header', bytes: text('GET / HTTP/1.1\r\n'), expect: 'none' },
  { desc: 'POST: starts like PROXY, is not', bytes: text('POST / HTTP/1.1\r\n'), expect: 'none' },
  { desc: 'TLS ClientHello: no header', bytes: hex('160301020001'), expect: 'none' },
  { desc: 'nothing yet', bytes: Buffer.alloc(0), expect: 'incomplete' },
];

for (const { desc, bytes, expect } of cases) {
  test(`PROXY header: ${desc}`, () => {
    assert.deepEqual(readProxyHeader(bytes), expect);
  });
}
