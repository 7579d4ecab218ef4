import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcmeChallengeStore } from '../../../proxy/tls/acme-challenges.js';
import { fixtureDir } from './fixture-certificates.js';

test('HTTP-01: keyed by token and lower-cased host; one token may serve several hosts; delete removes one', () => {
  const store = new AcmeChallengeStore();
  store.setHttp01('tok', 'A.Example.com', 'ka-a');
  store.setHttp01('tok', 'b.example.com', 'ka-b');
  assert.equal(store.http01('tok', 'a.example.COM'), 'ka-a');
  assert.equal(store.http01('tok', 'b.example.com'), 'ka-b');
  assert.equal(store.http01('other', 'a.example.com'), undefined);
  store.deleteHttp01('tok', 'a.example.com');
  assert.equal(store.http01('tok', 'a.example.com'), undefined);
  assert.equal(store.http01('tok', 'b.example.com'), 'ka-b');
  store.deleteHttp01('tok', 'b.example.com');
  store.deleteHttp01('never', 'set.example.com');
  assert.equal(store.http01('tok', 'b.example.com'), undefined);
});

test('TLS-ALPN-01: a context per domain (SNI trimmed, lower-cased), pending while any is set; a bad PEM throws to the caller', (t) => {
  const fixtures = fixtureDir();
  t.after(() => fixtures.remove());
  const cert = fixtures.make('a.test', ['a.test'], 'ec');
  const store = new AcmeChallengeStore();
  assert.equal(store.tlsAlpn01Pending, false);
  store.setTlsAlpn01('A.test', cert.cert, cert.key);
  assert.equal(store.tlsAlpn01Pending, true);
  assert.ok(store.tlsAlpn01Context(' a.TEST ') !== undefined);
  assert.equal(store.tlsAlpn01Context('b.test'), undefined);
  assert.throws(() => store.setTlsAlpn01('b.test', 'not a certificate', cert.key));
  assert.equal(store.tlsAlpn01Context('b.test'), undefined);
  store.deleteTlsAlpn01('a.test');
  assert.equal(store.tlsAlpn01Context('a.test'), undefined);
  assert.equal(store.tlsAlpn01Pending, false);
});
