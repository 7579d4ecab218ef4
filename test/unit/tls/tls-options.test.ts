import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILT_IN_DEFAULT_OPTION, mapCipherSuites, mapCurves, resolveTlsOption, versionAllowed } from '../../../proxy/tls/tls-options.js';
import { ecdsaFirst } from '../../../proxy/tls/tls-store.js';

describe('TLS option mapping', () => {
  const versionCases: { config: { minVersion?: string; maxVersion?: string }; min: string; max: string }[] = [
    { config: {}, min: 'TLSv1.2', max: 'TLSv1.3' },
    { config: { minVersion: 'VersionTLS10' }, min: 'TLSv1', max: 'TLSv1.3' },
    { config: { minVersion: 'VersionTLS11' }, min: 'TLSv1.1', max: 'TLSv1.3' },
    { config: { minVersion: 'VersionTLS13' }, min: 'TLSv1.3', max: 'TLSv1.3' },
    { config: { maxVersion: 'VersionTLS12' }, min: 'TLSv1.2', max: 'TLSv1.2' },
    // Traefik silently ignores an unknown version name, leaving Go's defaults.
    { config: { minVersion: 'TLS1.3', maxVersion: 'bogus' }, min: 'TLSv1.2', max: 'TLSv1.3' },
  ];
  for (const { config, min, max } of versionCases) {
    it(`versions ${JSON.stringify(config)} -> ${min}..${max}`, () => {
      const option = resolveTlsOption('o', config);
      assert.equal(option.minVersion, min);
      assert.equal(option.maxVersion, max);
    });
  }

  it('the built-in default is TLS 1.2 to 1.3, ALPN h2 then http/1.1, not strict', () => {
    assert.equal(BUILT_IN_DEFAULT_OPTION.minVersion, 'TLSv1.2');
    assert.equal(BUILT_IN_DEFAULT_OPTION.maxVersion, 'TLSv1.3');
    assert.deepEqual(BUILT_IN_DEFAULT_OPTION.alpnProtocols, ['h2', 'http/1.1']);
    assert.equal(BUILT_IN_DEFAULT_OPTION.sniStrict, false);
    assert.deepEqual(resolveTlsOption('o', {}).alpnProtocols, ['h2', 'http/1.1']);
    assert.deepEqual(resolveTlsOption('o', { alpnProtocols: ['http/1.1'] }).alpnProtocols, ['http/1.1']);
    assert.equal(resolveTlsOption('o', { sniStrict: true }).sniStrict, true);
  });

  const cipherCases: [string[], string | undefined][] = [
    [[], undefined],
    [['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], 'ECDHE-RSA-AES128-GCM-SHA256'],
    [['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_CBC_SHA'], 'ECDHE-ECDSA-AES256-GCM-SHA384:AES128-SHA'],
    [['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'], 'ECDHE-RSA-CHACHA20-POLY1305'],
    [['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'], 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256'],
    [['TLS_FALLBACK_SCSV', 'TLS_RSA_WITH_AES_256_GCM_SHA384'], 'AES256-GCM-SHA384'],
    [['TLS_FALLBACK_SCSV'], undefined],
  ];
  for (const [names, expected] of cipherCases) {
    it(`cipherSuites ${names.join(',') || '(none)'} -> ${expected ?? 'Node default'}`, () => {
      assert.equal(mapCipherSuites(names), expected);
    });
  }

  it('every cipher name Traefik documents is mapped, and the modern ones are accepted by OpenSSL', () => {
    const modern = [
      'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA256',
      'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    ];
    for (const name of modern) assert.doesNotThrow(() => resolveTlsOption('o', { cipherSuites: [name] }), name);
    for (const name of ['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA']) {
      assert.ok(mapCipherSuites([name]), name); // known to Traefik, even where OpenSSL 3 no longer has it
    }
  });

  it('an unknown cipher suite is an error with Traefik\'s message', () => {
    assert.throws(() => resolveTlsOption('o', { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_NOPE'] }), {
      message: 'invalid CipherSuite: TLS_NOPE',
    });
  });

  it('a suite OpenSSL cannot offer (RC4 alone) is reported when the option is built', () => {
    assert.throws(() => resolveTlsOption('o', { cipherSuites: ['TLS_RSA_WITH_RC4_128_SHA'] }), /invalid TLS option: .*no cipher match/);
  });

  const curveCases: [string[], string][] = [
    [['CurveP256'], 'P-256'],
    [['secp384r1', 'CurveP521'], 'P-384:P-521'],
    [['X25519', 'x25519', 'secp256r1'], 'X25519:P-256'],
  ];
  for (const [names, expected] of curveCases) {
    it(`curvePreferences ${names.join(',')} -> ${expected}`, () => {
      assert.equal(mapCurves(names), expected);
      assert.equal(resolveTlsOption('o', { curvePreferences: names }).ecdhCurve, expected);
    });
  }

  it('an unknown curve is an error with Traefik\'s message', () => {
    assert.throws(() => resolveTlsOption('o', { curvePreferences: ['CurveP256', 'P-256'] }), {
      message: 'invalid CurveID in curvePreferences: P-256',
    });
  });

  it('client auth types map to Node request/verify settings and reject impossible ones', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    assert.equal(resolveTlsOption('o', {}).clientAuth.requestCert, false);
    assert.equal(resolveTlsOption('o', { clientAuth: { clientAuthType: 'RequestClientCert' } }).clientAuth.rejectUnauthorized, false);
    assert.throws(() => resolveTlsOption('o', { clientAuth: { clientAuthType: 'RequireAndVerifyClientCert' } }), {
      message: 'invalid clientAuthType: RequireAndVerifyClientCert, CAFiles is required',
    });
    assert.throws(() => resolveTlsOption('o', { clientAuth: { clientAuthType: 'Sometimes' } }), { message: 'unknown client auth type "Sometimes"' });
    assert.throws(() => resolveTlsOption('o', { clientAuth: { caFiles: ['/no/such/ca.pem'] } }), /unable to read CA file \/no\/such\/ca.pem/);
    // caFiles alone default to RequireAndVerifyClientCert, as in Traefik.
    const required = resolveTlsOption('o', { clientAuth: { caFiles: [ca] } }).clientAuth;
    assert.equal(required.type, 'RequireAndVerifyClientCert');
    assert.equal(required.rejectUnauthorized, true);
    assert.deepEqual(required.ca, [ca]);
  });

  it('min above max is an error', () => {
    assert.throws(() => resolveTlsOption('o', { minVersion: 'VersionTLS13', maxVersion: 'VersionTLS12' }), /minVersion VersionTLS13 is above maxVersion/);
  });

  it('versionAllowed compares negotiated protocol names', () => {
    const option = resolveTlsOption('o', { minVersion: 'VersionTLS13' });
    assert.equal(versionAllowed(option, 'TLSv1.3'), true);
    assert.equal(versionAllowed(option, 'TLSv1.2'), false);
    assert.equal(versionAllowed(option, null), false);
  });

  it('ECDSA suites are put before RSA ones (TLS 1.3 suites first)', () => {
    assert.equal(ecdsaFirst('TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256'),
      'TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256');
  });
});
