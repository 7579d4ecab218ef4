// tls.options.<name>: versions, cipher suites and curves by Traefik's names.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, listOf, str, strList } from '../schema/scalars.js';

export const TLS_VERSIONS = ['VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13'] as const;

// pkg/tls/cipher.go
export const CIPHER_SUITES = [
  'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256', 'TLS_FALLBACK_SCSV',
] as const;

export const CURVES = ['CurveP256', 'secp256r1', 'CurveP384', 'secp384r1', 'CurveP521', 'secp521r1', 'X25519', 'x25519'] as const;

export const CLIENT_AUTH_TYPES = [
  'NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert',
] as const;

/** A string that must be one of `names`; the error names the kind and lists the valid values. */
export function named<T extends string>(kind: string, names: readonly T[]) {
  const known = new Set<string>(names);
  return str.refine((v): v is T => known.has(v), (v) => ({ message: `invalid ${kind}: ${v}; valid values are ${names.join(', ')}` }));
}

export const tlsOptionsSchema = strictObject({
  minVersion: named('TLS version', TLS_VERSIONS).optional(),
  maxVersion: named('TLS version', TLS_VERSIONS).optional(),
  // Unset: Node's secure defaults (Traefik: Go's secure list).
  cipherSuites: listOf(named('CipherSuite', CIPHER_SUITES)).optional(),
  curvePreferences: listOf(named('CurveID in curvePreferences', CURVES)).optional(),
  clientAuth: strictObject({
    caFiles: strList.default([]),
    clientAuthType: named('clientAuthType', CLIENT_AUTH_TYPES).optional(),
  }).optional(),
  sniStrict: bool.default(false),
  alpnProtocols: strList.default(['h2', 'http/1.1', 'acme-tls/1']),
  // Deprecated and ignored by Traefik.
  preferServerCipherSuites: bool.optional(),
}).superRefine((v, ctx) => {
  const type = v.clientAuth?.clientAuthType;
  const needsCa = type === 'VerifyClientCertIfGiven' || type === 'RequireAndVerifyClientCert';
  if (needsCa && (v.clientAuth?.caFiles.length ?? 0) === 0) {
    ctx.addIssue({ code: 'custom', path: ['clientAuth', 'caFiles'], message: `clientAuthType ${String(type)} needs clientAuth.caFiles` });
  }
});

export type TlsOptions = z.output<typeof tlsOptionsSchema>;
