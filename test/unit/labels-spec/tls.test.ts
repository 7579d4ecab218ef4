import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDynamicConfig } from '../../../labels-spec/index.js';

test('tls options: defaults and valid names', () => {
  const { config, issues } = validateDynamicConfig({
    tls: {
      options: {
        default: { minVersion: 'VersionTLS12' },
        modern: {
          minVersion: 'VersionTLS13',
          cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
          curvePreferences: 'CurveP521,x25519',
          clientAuth: { caFiles: ['/ca.pem'], clientAuthType: 'RequireAndVerifyClientCert' },
          sniStrict: true,
        },
      },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.tls.options.default, { minVersion: 'VersionTLS12', sniStrict: false, alpnProtocols: ['h2', 'http/1.1', 'acme-tls/1'] });
  assert.deepEqual(config.tls.options.modern?.curvePreferences, ['CurveP521', 'x25519']);
});

const optionErrors: { desc: string; option: unknown; path: string; text: RegExp }[] = [
  { desc: 'unknown version', option: { minVersion: 'TLS1.2' }, path: 'tls.options.o.minVersion', text: /invalid TLS version: TLS1\.2/ },
  { desc: 'unknown cipher', option: { cipherSuites: ['TLS_NOPE'] }, path: 'tls.options.o.cipherSuites.0', text: /invalid CipherSuite: TLS_NOPE/ },
  { desc: 'unknown curve', option: { curvePreferences: ['P999'] }, path: 'tls.options.o.curvePreferences.0', text: /invalid CurveID in curvePreferences: P999/ },
  { desc: 'verify without CA', option: { clientAuth: { clientAuthType: 'VerifyClientCertIfGiven' } }, path: 'tls.options.o.clientAuth.caFiles', text: /needs clientAuth\.caFiles/ },
  { desc: 'unknown key', option: { sniStric: true }, path: 'tls.options.o.sniStric', text: /did you mean "sniStrict"\?/ },
];

for (const { desc, option, path, text } of optionErrors) {
  test(`tls option error: ${desc}`, () => {
    const { config, issues } = validateDynamicConfig({ tls: { options: { o: option, ok: {} } } });
    assert.deepEqual(Object.keys(config.tls.options), ['ok']);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.path.join('.'), path);
    assert.match(issues[0]?.message ?? '', text);
    assert.deepEqual(issues[0]?.item, { kind: 'tlsOption', name: 'o' });
  });
}

test('tls certificates are validated one by one', () => {
  const { config, issues } = validateDynamicConfig({
    tls: { certificates: [{ certFile: '/a.crt', keyFile: '/a.key' }, { certFile: '/b.crt' }, { certFile: '/c.crt', keyFile: '/c.key', stores: 'default' }] },
  });
  assert.deepEqual(config.tls.certificates, [
    { certFile: '/a.crt', keyFile: '/a.key', stores: [] },
    { certFile: '/c.crt', keyFile: '/c.key', stores: ['default'] },
  ]);
  assert.deepEqual(issues.map((i) => [i.path.join('.'), i.item?.kind]), [['tls.certificates.1.keyFile', 'certificate']]);
});

test('tls stores', () => {
  const { config, issues } = validateDynamicConfig({
    tls: { stores: { default: { defaultGeneratedCert: { resolver: 'le', domain: { main: 'example.com', sans: ['www.example.com'] } } }, bad: { defaultCert: {} } } },
  });
  assert.deepEqual(config.tls.stores, { default: { defaultGeneratedCert: { resolver: 'le', domain: { main: 'example.com', sans: ['www.example.com'] } } } });
  assert.equal(issues[0]?.suggestion, 'defaultCertificate');
  assert.deepEqual(issues[0]?.item, { kind: 'tlsStore', name: 'bad' });
});
