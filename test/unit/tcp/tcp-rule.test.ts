import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTcpRule, hostSnisOfRule, tcpRulePriority } from '../../../proxy/tcp/tcp-rule.js';
import type { ConnData } from '../../../proxy/tcp/conn-data.js';

// Tables from Traefik's pkg/muxer/tcp mux_test.go and matcher_test.go (v3 syntax unless said otherwise).

const conn = (serverName = '', remoteIp = '10.0.0.1', alpn: string[] = []): ConnData => ({ serverName, remoteIp, alpn });

const MATCHES: [rule: string, meta: ConnData, match: boolean][] = [
  ['HostSNI(`example.org`)', conn('example.org'), true],
  ['!HostSNI(`example.com`)', conn('example.org'), true],
  ['hostsni(`example.org`)', conn('example.org'), true],
  ['HOSTSNI(`example.org`)', conn('example.org'), true],
  ['HostSNI(`example.org`)', conn('example.com'), false],
  ['!HostSNI(`example.com`)', conn('example.com'), false],
  ['HostSNI(`example.org`) && ClientIP(`10.0.0.1`)', conn('example.org'), true],
  ['HostSNI(`example.org`) && !ClientIP(`10.0.0.2`)', conn('example.org'), true],
  ['!(HostSNI(`example.com`) || ClientIP(`10.0.0.2`))', conn('example.org'), true],
  ['!(HostSNI(`example.com`) && ClientIP(`10.0.0.2`))', conn('example.com', '10.0.0.2'), false],
  ['HostSNI(`example.org`) && ClientIP(`10.0.0.1`)', conn('example.org', '10.0.0.2'), false],
  ['HostSNI(`example.org`) || ClientIP(`10.0.0.1`)', conn('example.com'), true],
  ['HostSNI(`example.org`) || ClientIP(`10.0.0.1`)', conn('example.com', '10.0.0.2'), false],
  ['HostSNI(`example.org`) || HostSNI(`example.eu`) || HostSNI(`example.com`)', conn('baz'), false],
  ['HostSNI(`example.org`) || HostSNI(`example.com`) && ClientIP(`10.0.0.1`)', conn('example.org', '10.0.0.2'), true],
  ['HostSNI(`example.org`) || HostSNI(`example.com`) && ClientIP(`10.0.0.1`)', conn('example.com', '10.0.0.2'), false],
  ['(HostSNI(`example.org`) || HostSNI(`example.com`)) && (ClientIP(`10.0.0.1`) || ClientIP(`10.0.0.2`))', conn('example.com', '10.0.0.3'), false],
  ['ALPN(`h2c`) && (!ALPN(`h2`) || HostSNI(`example.eu`))', conn('example.eu', '10.0.0.1', ['h2c', 'mqtt']), true],
  ['ALPN(`h2c`) && (!ALPN(`h2`) || HostSNI(`example.eu`))', conn('example.com', '10.0.0.1', ['h2c', 'http/1.1', 'h2']), false],
  ['ALPN(`h2c`) && (!ALPN(`h2`) || HostSNI(`example.eu`))', conn('example.com', '10.0.0.1', ['h2c', 'http/1.1']), true],
  ['ALPN(`h2c`) && (!ALPN(`h2`) || HostSNI(`example.eu`))', conn('example.com', '10.0.0.1', ['http/1.1', 'mqtt']), false],
  ['HostSNI(`127.0.0.1`)', conn('127.0.0.1'), true],
  ['HostSNI(`10::10`)', conn('10::10'), true],
  ['HostSNI(`xn--9t9h.com`)', conn('xn--9t9h.com'), true],
  ['HostSNI(`*`)', conn(''), true],
  ['HostSNI(`example.com.`)', conn('example.com'), true],
  ['HostSNI(`foo_bar.example.com`)', conn('foo_bar.example.com'), true],
  ['HostSNI(`*.example.com`)', conn('foo.example.com'), true],
  ['HostSNI(`*.example.com`)', conn('a.foo.example.com'), false],
  ['HostSNI(`example.com`)', conn(''), false],
  ['HostSNIRegexp(`^example\\.(com|org)$`)', conn('example.org'), true],
  ['HostSNIRegexp(`^example\\.(com|org)$`)', conn('EXAMPLE.com'), false],
  ['HostSNIRegexp(`^example\\.(com|org)$`)', conn('exampleuorg'), false],
  ['HostSNIRegexp(`example.{tld:(com|org)}`)', conn('example.com'), false],
  ['ClientIP(`20.20.20.20/24`)', conn('', '20.20.20.40'), true],
  ['ClientIP(`20.20.20.20/24`)', conn('', '20.20.21.1'), false],
  ['ClientIP(`20.20.20.20`)', conn('', '20.20.20.20'), true],
  ['ALPN(`h2`)', conn('', '10.0.0.1', ['h2']), true],
  ['ALPN(`h2`)', conn('', '10.0.0.1', ['mqtt']), false],
];

test('TCP rules match connections as Traefik\'s muxer does', () => {
  for (const [rule, meta, match] of MATCHES) assert.equal(compileTcpRule(rule).match(meta), match, `${rule} on ${JSON.stringify(meta)}`);
});

const REFUSED: [rule: string, error: RegExp][] = [
  ['', /empty rule/],
  ['rulewithnotmatcher', /unknown matcher rulewithnotmatcher/],
  ['HostSNI(``)', /empty args for matcher HostSNI/],
  ['HostSNI(`example.com`, `example.org`)', /unexpected number of parameters for matcher HostSNI; got 2, expected 1/],
  ['HostSNI(`🦭.com`)', /not a valid hostname/],
  ['HostSNI(`*.*.example.com`)', /not a valid hostname/],
  ['HostSNIRegexp(``)', /empty args/],
  ['HostSNIRegexp(`🦭.com`)', /not a valid hostname/],
  ['HostSNIRegexp(`(example.com`)', /invalid regexp/],
  ['HostSNIRegexp(`example.com`, `example.org`)', /unexpected number of parameters/],
  ['ClientIP(``)', /empty args/],
  ['ClientIP(`🦭/32`)', /initializing IP checker for ClientIP matcher/],
  ['ClientIP(`127.0.0.1`, `127.0.0.2`)', /unexpected number of parameters/],
  ['ALPN(`acme-tls/1`)', /invalid protocol value for ALPN matcher, "acme-tls\/1" is not allowed/],
  ['ALPN(``)', /empty args/],
  ['ALPN(`h2`, `mqtt`)', /unexpected number of parameters/],
  ['Host(`example.com`)', /unknown matcher Host; did you mean HostSNI\?/],
  ['HostSNI(`a.test`) &&', /unexpected end of rule/],
];

test('bad TCP rules are refused with Traefik\'s reason and the column', () => {
  for (const [rule, error] of REFUSED) assert.throws(() => compileTcpRule(rule), (err: Error) => error.test(err.message) && /^column \d+: /.test(err.message), rule);
});

test('v2 syntax: several arguments per matcher, any may match; HostSNIRegexp takes gorilla templates', () => {
  const v2: [rule: string, meta: ConnData, match: boolean][] = [
    ['HostSNI(`a.test`, `b.test`)', conn('b.test'), true],
    ['HostSNI(`a.test`, `b.test`)', conn('c.test'), false],
    ['HostSNI(`*`)', conn(''), true],
    ['HostSNIRegexp(`{sub:[a-z]+}.example.{tld:(com|org)}`)', conn('foo.example.org'), true],
    ['HostSNIRegexp(`{sub:[a-z]+}.example.{tld:(com|org)}`)', conn('foo.example.net'), false],
    ['ClientIP(`10.0.0.1`, `10.0.0.2`)', conn('', '10.0.0.2'), true],
    ['ALPN(`h2`, `mqtt`)', conn('', '10.0.0.1', ['mqtt']), true],
  ];
  for (const [rule, meta, match] of v2) assert.equal(compileTcpRule(rule, 'v2').match(meta), match, rule);
  assert.throws(() => compileTcpRule('ALPN(`h2`, `acme-tls/1`)', 'v2'), /invalid protocol value for "ALPN" matcher/);
});

test('priority is the rule\'s length in bytes, -1 for the catch-all HostSNI(`*`), unless set', () => {
  assert.equal(tcpRulePriority('HostSNI(`*`)', undefined), -1);
  assert.equal(tcpRulePriority('HostSNI(`example.com`)', undefined), 22);
  assert.equal(tcpRulePriority('HostSNI(`*`) && ClientIP(`10.0.0.1`)', undefined), 36);
  assert.equal(tcpRulePriority('HostSNI(`*`)', 5), 5);
  assert.equal(compileTcpRule('HostSNI(`*`)').catchAll, true);
  assert.equal(compileTcpRule('HostSNIRegexp(`.*`)').catchAll, false);
  assert.equal(compileTcpRule('HostSNI(`example.com`)').catchAll, false);
});

test('HostSNI values of a rule, as Traefik\'s ParseHostSNI reads them for the no-TLS check and certificates', () => {
  assert.deepEqual(hostSnisOfRule('HostSNI(`A.test`) || (!HostSNI(`b.test`) && ClientIP(`10.0.0.1`))'), ['a.test', 'b.test']);
  assert.deepEqual(hostSnisOfRule('ClientIP(`10.0.0.1`)'), []);
});
