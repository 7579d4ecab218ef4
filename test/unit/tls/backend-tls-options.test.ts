// serversTransports minVersion / maxVersion / cipherSuites -> node:tls client options: Go's client defaults when
// unset, Traefik's messages for unknown names, and a clear error for settings no handshake could ever satisfy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendTlsOptions, type BackendTlsConfig } from '../../../proxy/tls/tls-options.js';

const accepted: [string, BackendTlsConfig, Record<string, unknown>][] = [
  ['nothing set: Node\'s defaults, as Go\'s (TLS 1.2 to 1.3)', {}, {}],
  ['an empty cipher list is no setting', { cipherSuites: [] }, {}],
  ['maxVersion alone', { maxVersion: 'VersionTLS12' }, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }],
  ['minVersion alone (Traefik v3.7.9 refuses it by comparing with an unset maximum; its documentation does not)', { minVersion: 'VersionTLS13' }, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }],
  ['cipherSuites restrict TLS 1.0-1.2 only: TLS 1.3 names are left out, TLS_FALLBACK_SCSV is no suite',
    { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_FALLBACK_SCSV'] },
    { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }],
  ['only TLS 1.3 names: no TLS 1.0-1.2 suite is offered, so only TLS 1.3 can be spoken', { cipherSuites: ['TLS_AES_256_GCM_SHA384'] }, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }],
  ['TLS 1.0 needs OpenSSL 3\'s security level 0 (SHA-1 signatures)', { minVersion: 'VersionTLS10' }, { minVersion: 'TLSv1', maxVersion: 'TLSv1.3', ciphers: 'DEFAULT@SECLEVEL=0' }],
];

for (const [name, config, expected] of accepted) {
  test(`backendTlsOptions: ${name}`, () => assert.deepEqual(backendTlsOptions(config), expected));
}

const refused: [string, BackendTlsConfig, RegExp][] = [
  ['an unknown minVersion', { minVersion: 'VersionTLS09' }, /invalid TLS minimum version: VersionTLS09$/],
  ['an unknown maxVersion', { maxVersion: 'VersionTLS16' }, /invalid TLS maximum version: VersionTLS16$/],
  ['an unknown cipher suite', { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA385'] }, /invalid CipherSuite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA385$/],
  ['minVersion above maxVersion', { minVersion: 'VersionTLS13', maxVersion: 'VersionTLS12' }, /TLS minimum version VersionTLS13 is above the maximum version VersionTLS12$/],
  ['maxVersion below the default minimum', { maxVersion: 'VersionTLS11' }, /VersionTLS11 is below the default minimum version VersionTLS12: set minVersion too/],
  ['only TLS 1.3 suites with TLS 1.3 excluded', { cipherSuites: ['TLS_AES_128_GCM_SHA256'], maxVersion: 'VersionTLS12' }, /no TLS 1\.0-1\.2 suite and maxVersion VersionTLS12 excludes TLS 1\.3/],
  ['suites OpenSSL 3 no longer has (RC4, 3DES)', { cipherSuites: ['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'] }, /cipherSuites TLS_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA: this OpenSSL offers none of them/],
];

for (const [name, config, message] of refused) {
  test(`backendTlsOptions refuses ${name}`, () => assert.throws(() => backendTlsOptions(config), message));
}
