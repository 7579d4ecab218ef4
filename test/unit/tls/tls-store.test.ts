import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SecureContext } from 'node:tls';
import { DEFAULT_CERT_COMMON_NAME } from '../../../proxy/tls/default-certificate.js';
import type { TlsSection } from '../../../proxy/tls/tls-config.js';
import { buildTlsStore, httpsServerSettings, type EntryPointTlsStore } from '../../../proxy/tls/tls-store.js';
import { fixtureDir, type FixtureCertificate, type FixtureDir } from './fixture-certificates.js';

/** Hosts' options on one entrypoint, `websecure`. */
function onWebsecure(hosts: [string, string][]): Map<string, Map<string, string>> {
  return new Map([['websecure', new Map(hosts)]]);
}

function section(partial: Partial<TlsSection>): TlsSection {
  return { certificates: [], options: {}, stores: {}, ...partial };
}

/** Runs the store's SNI callback and returns the context it chose, or the error. */
function sni(store: EntryPointTlsStore, servername: string): Promise<SecureContext | Error> {
  return new Promise((resolve) => store.sniCallback(servername, (err, ctx) => resolve(err ?? (ctx as SecureContext))));
}

describe('TLS store: certificates and SNI', () => {
  let fixtures: FixtureDir;
  let a: FixtureCertificate;
  let wildcard: FixtureCertificate;
  let exactInWildcard: FixtureCertificate;
  let cnOnly: FixtureCertificate;

  before(() => {
    fixtures = fixtureDir();
    a = fixtures.make('a.test', ['a.test']);
    wildcard = fixtures.make('wild.b.test', ['*.b.test']);
    exactInWildcard = fixtures.make('x.b.test', ['X.B.test']);
    cnOnly = fixtures.make('cn.test', []);
  });
  after(() => fixtures.remove());

  const certificates = (): TlsSection['certificates'] => [
    { certFile: a.certFile, keyFile: a.keyFile },
    { certFile: wildcard.certFile, keyFile: wildcard.keyFile },
    // Inline PEM works like a path.
    { certFile: exactInWildcard.cert, keyFile: exactInWildcard.key },
    { certFile: cnOnly.certFile, keyFile: cnOnly.keyFile, stores: ['default'] },
  ];

  const selection: [string, string | undefined][] = [
    ['a.test', 'a.test'],
    ['A.Test', 'a.test'],
    ['a.test.', 'a.test'],
    ['y.b.test', 'wild.b.test'],
    ['x.b.test', 'x.b.test'], // exact beats wildcard
    ['deep.y.b.test', undefined], // a wildcard covers one label
    ['b.test', undefined],
    ['cn.test', 'cn.test'], // no SAN: the CN is the name
    ['other.test', undefined],
  ];
  for (const [servername, expectedCn] of selection) {
    it(`SNI ${servername} -> ${expectedCn ?? 'default certificate'}`, async () => {
      const { store, issues } = buildTlsStore(section({ certificates: certificates() }), new Map());
      assert.deepEqual(issues, []);
      const chosen = store.certificateFor(servername);
      assert.equal(chosen ? new X509Certificate(chosen.cert).subject : undefined, expectedCn ? `CN=${expectedCn}` : undefined);
      const ctx = await sni(store.forEntryPoint('websecure'), servername);
      assert.ok(!(ctx instanceof Error));
      assert.equal(ctx, (chosen ?? store.defaultCertificate).secureContext());
    });
  }

  it('an unreadable certificate is skipped with an issue naming the file; the others still serve', () => {
    const { store, issues } = buildTlsStore(
      section({ certificates: [{ certFile: '/nonexistent/site.crt', keyFile: '/nonexistent/site.key' }, { certFile: a.certFile, keyFile: a.keyFile }] }),
      new Map(),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.item, '/nonexistent/site.crt');
    assert.match(issues[0]?.message ?? '', /unable to read certificate file \/nonexistent\/site\.crt/);
    assert.ok(store.certificateFor('a.test'));
  });

  it('a key that does not match its certificate is reported', () => {
    const { issues } = buildTlsStore(section({ certificates: [{ certFile: a.certFile, keyFile: wildcard.keyFile }] }), new Map());
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.message ?? '', /private key does not match/);
  });

  it('certificates only in other stores are not used', () => {
    const { store } = buildTlsStore(section({ certificates: [{ certFile: a.certFile, keyFile: a.keyFile, stores: ['other'] }] }), new Map());
    assert.equal(store.certificateFor('a.test'), undefined);
  });

  it('the generated default certificate is Traefik-shaped and made once per process', () => {
    const first = buildTlsStore(section({}), new Map()).store.defaultCertificate;
    const second = buildTlsStore(section({ certificates: certificates() }), new Map()).store.defaultCertificate;
    assert.equal(first.cert, second.cert);
    const x509 = new X509Certificate(first.cert);
    assert.equal(x509.subject, `CN=${DEFAULT_CERT_COMMON_NAME}`);
    assert.match(x509.subjectAltName ?? '', /^DNS:[0-9a-f]{32}\.[0-9a-f]{32}\.traefik\.default$/);
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    assert.ok(days >= 364 && days <= 366, `validity ${days} days`);
    assert.equal(x509.publicKey.asymmetricKeyType, 'rsa');
  });

  it('tls.stores.default.defaultCertificate replaces the generated one; unreadable falls back with an issue', () => {
    const configured = buildTlsStore(section({ stores: { default: { defaultCertificate: { certFile: a.certFile, keyFile: a.keyFile } } } }), new Map());
    assert.equal(configured.store.defaultCertificate.cert, a.cert);
    const broken = buildTlsStore(section({ stores: { default: { defaultCertificate: { certFile: '/nope.crt', keyFile: '/nope.key' } } } }), new Map());
    assert.equal(broken.issues.length, 1);
    assert.match(new X509Certificate(broken.store.defaultCertificate.cert).subject, /TRAEFIK DEFAULT CERT/);
  });

  it('a rebuild with unchanged content reuses certificates and their SecureContexts', () => {
    const first = buildTlsStore(section({ certificates: certificates() }), new Map()).store;
    const ctx = first.certificateFor('a.test')?.secureContext();
    const second = buildTlsStore(section({ certificates: certificates() }), new Map()).store;
    assert.equal(second.certificateFor('a.test'), first.certificateFor('a.test'));
    assert.equal(second.certificateFor('a.test')?.secureContext(), ctx);
  });

  it('sniStrict on the host\'s option refuses a name without certificate', async () => {
    const { store } = buildTlsStore(
      section({ certificates: certificates(), options: { strict: { sniStrict: true } } }),
      onWebsecure([['other.test', 'strict'], ['a.test', 'strict']]),
    );
    const refused = await sni(store.forEntryPoint('websecure'), 'other.test');
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /strict SNI enabled - No certificate found for domain: "other.test"/);
    assert.ok(!((await sni(store.forEntryPoint('websecure'), 'a.test')) instanceof Error));
    assert.ok(!((await sni(store.forEntryPoint('websecure'), 'unmapped.test')) instanceof Error), 'hosts on the default option still get the default certificate');
  });

  it('sniStrict: a name with two trailing dots is refused in the handshake, not given the default certificate', async () => {
    const { store } = buildTlsStore(section({ certificates: certificates(), options: { default: { sniStrict: true } } }), new Map());
    assert.ok(!((await sni(store.forEntryPoint('websecure'), 'a.test.')) instanceof Error), 'one trailing dot is the same name');
    const refused = await sni(store.forEntryPoint('websecure'), 'a.test..');
    assert.ok(refused instanceof Error, 'a.test.. has no certificate');
  });

  it('option problems are issues; hosts fall back to default', () => {
    const { store, issues } = buildTlsStore(
      section({ options: { bad: { cipherSuites: ['NOPE'] }, modern: { minVersion: 'VersionTLS13' } } }),
      onWebsecure([['a.test', 'bad'], ['b.test', 'missing@file'], ['c.test', 'modern'], ['*.d.test', 'modern']]),
    );
    assert.deepEqual(issues.map((i) => i.message).sort(), ['invalid CipherSuite: NOPE', 'unknown TLS options: missing@file']);
    const websecure = store.forEntryPoint('websecure');
    assert.equal(websecure.optionForHost('a.test').name, 'default');
    assert.equal(websecure.optionForHost('b.test').name, 'default');
    assert.equal(websecure.optionForHost('c.test').name, 'modern');
    assert.equal(websecure.optionForHost('x.d.test').name, 'modern');
    assert.equal(websecure.optionForHost('y.x.d.test').name, 'default');
  });

  it('HTTPS server settings: each option its own versions, suites, curves and client authentication, with no issue', () => {
    const { store, issues } = buildTlsStore(
      section({ options: { legacy: { minVersion: 'VersionTLS10' }, default: { curvePreferences: ['X25519'] } } }),
      onWebsecure([['old.test', 'legacy']]),
    );
    assert.deepEqual(issues, [], 'options other than the default are no longer reported as taken from it');
    const plain = httpsServerSettings(store.defaultOption, store.defaultCertificate);
    assert.equal(plain.minVersion, 'TLSv1.2');
    assert.equal(plain.maxVersion, 'TLSv1.3');
    assert.equal(plain.ecdhCurve, 'X25519');
    assert.doesNotMatch(plain.ciphers ?? '', /@SECLEVEL=0$/);
    const websecure = store.forEntryPoint('websecure');
    const legacy = httpsServerSettings(websecure.optionForServerName('old.test'), store.defaultCertificate);
    assert.equal(legacy.minVersion, 'TLSv1');
    assert.equal(legacy.ecdhCurve, undefined);
    assert.match(legacy.ciphers ?? '', /@SECLEVEL=0$/);
    assert.notEqual(legacy.sessionIdContext, plain.sessionIdContext, 'sessions of one option never resume under the other');
    assert.deepEqual(websecure.optionsInUse.map((o) => o.name).sort(), ['default', 'legacy']);
    assert.equal(websecure.optionForServerName(''), store.defaultOption);
    assert.equal(websecure.optionForServerName(false), store.defaultOption);
  });

  it('a host\'s option is per entrypoint: the same host may use another option, or none, on another entrypoint', () => {
    const { store, issues } = buildTlsStore(
      section({ options: { mtls: { minVersion: 'VersionTLS13' }, legacy: { minVersion: 'VersionTLS10' } } }),
      new Map([
        ['websecure', new Map([['admin.test', 'mtls']])],
        ['internal', new Map([['admin.test', 'legacy']])],
      ]),
    );
    assert.deepEqual(issues, []);
    assert.equal(store.forEntryPoint('websecure').optionForServerName('admin.test').name, 'mtls');
    assert.equal(store.forEntryPoint('internal').optionForServerName('admin.test').name, 'legacy');
    assert.deepEqual(store.forEntryPoint('internal').optionsInUse.map((o) => o.name).sort(), ['default', 'legacy']);
    assert.equal(store.forEntryPoint('other').optionForServerName('admin.test'), store.defaultOption, 'no TLS router there: default');
    assert.equal(store.forEntryPoint('websecure'), store.forEntryPoint('websecure'), 'one view per entrypoint and build');
  });
});
