// forwardAuth's auth request headers as a table: forward.go's writeHeader (trustForwardHeader true/false)
// and oldWriteHeader (unset), on a request to http://foo.bar/path?q=1 from 192.0.2.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { authRequestHeaders, type ForwardHeaderTrust } from '../../../proxy/middlewares/auth/auth-request-headers.js';
import { fakeContext } from './fake-context.js';

interface Case {
  desc: string;
  trust: ForwardHeaderTrust;
  /** The entrypoint trusts the peer's X-Forwarded-* (forwardedHeaders.insecure / trustedIPs). */
  peerTrusted?: boolean;
  headers: [string, string][];
  allowed?: string[];
  tls?: boolean;
  host?: string;
  /** Expected headers (lower-case); with `only`, nothing else may be sent. */
  expected: Record<string, string | undefined>;
  only?: boolean;
}

const cases: Case[] = [
  { desc: 'trusted: the incoming X-Forwarded-Host is kept', trust: 'trust', peerTrusted: true, headers: [['Accept', 'application/json'], ['X-Forwarded-Host', 'fii.bir']],
    expected: { accept: 'application/json', 'x-forwarded-host': 'fii.bir' } },
  { desc: 'not trusted: X-Forwarded-Host is the Host', trust: 'drop', peerTrusted: true, headers: [['Accept', 'application/json'], ['X-Forwarded-Host', 'fii.bir']],
    expected: { accept: 'application/json', 'x-forwarded-host': 'foo.bar' } },
  { desc: 'trusted: the forwarded URI and method are kept', trust: 'trust', peerTrusted: true, headers: [['X-Forwarded-Uri', '/forward?q=1'], ['X-Forwarded-Method', 'OPTIONS']],
    expected: { 'x-forwarded-uri': '/forward?q=1', 'x-forwarded-method': 'OPTIONS' } },
  { desc: 'not trusted: the request URI and method', trust: 'drop', peerTrusted: true, headers: [['X-Forwarded-Uri', '/forward?q=1'], ['X-Forwarded-Method', 'OPTIONS']],
    expected: { 'x-forwarded-uri': '/path?q=1', 'x-forwarded-method': 'GET' } },
  { desc: 'hop-by-hop headers removed, Proxy-Authorization/-Authenticate kept', trust: 'drop',
    headers: [['Connection', 'close'], ['Keep-Alive', 'KeepAlive'], ['Proxy-Authenticate', 'PA'], ['Proxy-Authorization', 'PZ'], ['Te', 'Te'], ['Trailer', 'Tr'], ['Upgrade', 'Up'], ['X-CustomHeader', 'CustomHeader']],
    expected: {
      host: 'auth:9000', 'x-customheader': 'CustomHeader', 'proxy-authenticate': 'PA', 'proxy-authorization': 'PZ',
      'x-forwarded-for': '192.0.2.7', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'foo.bar', 'x-forwarded-uri': '/path?q=1', 'x-forwarded-method': 'GET', 'x-forwarded-port': '80',
    }, only: true },
  { desc: 'authRequestHeaders filter (names not sent are not added)', trust: 'drop', headers: [['X-CustomHeader', 'CustomHeader'], ['Content-Type', 'multipart/form-data']], allowed: ['x-customheader', 'x-non-exists-header'],
    expected: { host: 'auth:9000', 'x-customheader': 'CustomHeader', 'x-forwarded-for': '192.0.2.7', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'foo.bar', 'x-forwarded-uri': '/path?q=1', 'x-forwarded-method': 'GET', 'x-forwarded-port': '80' }, only: true },
  { desc: 'trusted with authRequestHeaders: the X-Forwarded-* pass the filter', trust: 'trust', peerTrusted: true, headers: [['X-CustomHeader', 'c'], ['X-Forwarded-Uri', '/path?q=2'], ['Accept', 'a']], allowed: ['x-customheader'],
    expected: { 'x-customheader': 'c', 'x-forwarded-uri': '/path?q=2', accept: undefined, 'x-forwarded-server': hostname(), 'x-real-ip': '192.0.2.7' } },
  { desc: 'not trusted: underscore spellings of X-Forwarded-* are removed too', trust: 'drop', peerTrusted: true, headers: [['X_forwarded_for', '127.0.0.1'], ['X-Forwarded-Proto', 'xxx']],
    expected: { x_forwarded_for: undefined, 'x-forwarded-proto': 'http', 'x-forwarded-port': '80' } },
  { desc: 'not trusted: X-Forwarded-Proto from the client does not make the port 443', trust: 'drop', peerTrusted: true, headers: [['X-Forwarded-Proto', 'https']],
    expected: { 'x-forwarded-proto': 'http', 'x-forwarded-port': '80' } },
  { desc: 'trusted X-Forwarded-For: prior values joined, then the peer', trust: 'trust', peerTrusted: true, headers: [['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', '10.0.0.2']],
    expected: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2, 192.0.2.7' } },
  { desc: 'TLS: proto https, port 443; a port in the Host wins', trust: 'drop', tls: true, host: 'foo.bar:8443', headers: [],
    expected: { 'x-forwarded-proto': 'https', 'x-forwarded-port': '8443', 'x-forwarded-host': 'foo.bar:8443' } },
  // oldWriteHeader: the five it sets replace the request's; the entrypoint's others (Port, Server, Real-Ip) and X-Forwarded-Prefix pass.
  { desc: 'unset: X-Forwarded-Host is the Host, the URI and method the request\'s', trust: 'legacy', peerTrusted: true, headers: [['X-Forwarded-Host', 'fii.bir'], ['X-Forwarded-Uri', '/forward'], ['X-Forwarded-Method', 'OPTIONS']],
    expected: { 'x-forwarded-host': 'foo.bar', 'x-forwarded-uri': '/path?q=1', 'x-forwarded-method': 'GET' } },
  { desc: 'unset: X-Forwarded-Prefix is kept, the entrypoint\'s port, server and real IP pass', trust: 'legacy', peerTrusted: true, headers: [['X-CustomHeader', 'c'], ['X-Forwarded-Prefix', 'foo.bar']],
    expected: { host: 'auth:9000', 'x-customheader': 'c', 'x-forwarded-prefix': 'foo.bar', 'x-forwarded-for': '192.0.2.7', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'foo.bar',
      'x-forwarded-uri': '/path?q=1', 'x-forwarded-method': 'GET', 'x-forwarded-port': '80', 'x-forwarded-server': hostname(), 'x-real-ip': '192.0.2.7' }, only: true },
  { desc: 'unset, untrusted peer: its X-Forwarded-Prefix was dropped at the entrypoint', trust: 'legacy', headers: [['X-Forwarded-Prefix', '/evil']],
    expected: { 'x-forwarded-prefix': undefined } },
];

for (const c of cases) {
  test(`forwardAuth headers: ${c.desc}`, () => {
    const { ctx } = fakeContext({ host: c.host ?? 'foo.bar', headers: c.headers, tls: c.tls ?? false, trustForwarded: c.peerTrusted ?? false });
    const flat = authRequestHeaders(ctx, { trust: c.trust, allowed: c.allowed === undefined ? null : new Set(c.allowed), host: 'auth:9000' }, '/path?q=1');
    const sent: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const name = (flat[i] as string).toLowerCase();
      sent[name] = sent[name] === undefined ? (flat[i + 1] as string) : `${sent[name]}, ${flat[i + 1] as string}`;
    }
    for (const [name, value] of Object.entries(c.expected)) assert.equal(sent[name], value, name);
    if (c.only === true) assert.deepEqual(Object.keys(sent).sort(), Object.keys(c.expected).sort());
  });
}
