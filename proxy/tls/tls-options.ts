import { createSecureContext, type SecureVersion } from 'node:tls';
import { CIPHER_SUITES, CURVES } from './cipher-suites.js';
import { describePemSource, readPemSource } from './pem-source.js';
import type { TlsOptionsConfig } from './tls-config.js';

/** How a client certificate is asked for and checked (Go's tls.ClientAuthType, in Node terms). */
export interface ClientAuthSettings {
  readonly type: 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
  readonly requestCert: boolean;
  /** Node's own verification: only when a verified certificate is mandatory. */
  readonly rejectUnauthorized: boolean;
  readonly ca: readonly string[];
}

/** A Traefik TLS option turned into the values Node's TLS layer takes. */
export interface ResolvedTlsOption {
  readonly name: string;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  /** OpenSSL cipher string; undefined keeps Node's default list. */
  readonly ciphers: string | undefined;
  /** OpenSSL group list for `ecdhCurve`; undefined keeps Node's default. */
  readonly ecdhCurve: string | undefined;
  readonly alpnProtocols: readonly string[];
  readonly sniStrict: boolean;
  readonly clientAuth: ClientAuthSettings;
}

const VERSIONS: ReadonlyMap<string, SecureVersion> = new Map([
  ['VersionTLS10', 'TLSv1'],
  ['VersionTLS11', 'TLSv1.1'],
  ['VersionTLS12', 'TLSv1.2'],
  ['VersionTLS13', 'TLSv1.3'],
]);

const VERSION_RANK: Readonly<Record<SecureVersion, number>> = { TLSv1: 10, 'TLSv1.1': 11, 'TLSv1.2': 12, 'TLSv1.3': 13 };

export const DEFAULT_ALPN_PROTOCOLS: readonly string[] = ['h2', 'http/1.1'];

const NO_CLIENT_AUTH: ClientAuthSettings = { type: 'NoClientCert', requestCert: false, rejectUnauthorized: false, ca: [] };

/** Used when no option named `default` is configured: TLS 1.2 to 1.3, Node's ciphers and curves. */
export const BUILT_IN_DEFAULT_OPTION: ResolvedTlsOption = {
  name: 'default',
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: undefined,
  ecdhCurve: undefined,
  alpnProtocols: DEFAULT_ALPN_PROTOCOLS,
  sniStrict: false,
  clientAuth: NO_CLIENT_AUTH,
};

/**
 * Maps one `tls.options.<name>` entry. Throws with Traefik's message on an invalid cipher, curve or client-auth setting.
 * Unknown version names are ignored as Traefik does, which leaves Go's defaults: TLS 1.2 minimum, TLS 1.3 maximum.
 */
export function resolveTlsOption(name: string, config: TlsOptionsConfig): ResolvedTlsOption {
  const ciphers = mapCipherSuites(config.cipherSuites);
  const ecdhCurve = mapCurves(config.curvePreferences);
  const option: ResolvedTlsOption = {
    name,
    minVersion: VERSIONS.get(config.minVersion ?? '') ?? 'TLSv1.2',
    maxVersion: VERSIONS.get(config.maxVersion ?? '') ?? 'TLSv1.3',
    ciphers,
    ecdhCurve,
    alpnProtocols: config.alpnProtocols && config.alpnProtocols.length > 0 ? [...config.alpnProtocols] : DEFAULT_ALPN_PROTOCOLS,
    sniStrict: config.sniStrict ?? false,
    clientAuth: mapClientAuth(config.clientAuth),
  };
  if (versionRank(option.minVersion) > versionRank(option.maxVersion)) {
    throw new Error(`invalid TLS versions: minVersion ${config.minVersion} is above maxVersion ${config.maxVersion}`);
  }
  // Let OpenSSL reject what it cannot do (RC4 and 3DES are compiled out of OpenSSL 3), at build time not at handshake.
  try {
    createSecureContext({ ciphers: withLegacySecurityLevel(option), ecdhCurve, minVersion: option.minVersion, maxVersion: option.maxVersion });
  } catch (err) {
    throw new Error(`invalid TLS option: ${(err as Error).message}`);
  }
  return option;
}

export function mapCipherSuites(names: readonly string[] | undefined): string | undefined {
  if (!names || names.length === 0) return undefined;
  const mapped: string[] = [];
  for (const goName of names) {
    const openssl = CIPHER_SUITES.get(goName);
    if (openssl === undefined) throw new Error(`invalid CipherSuite: ${goName}`);
    if (openssl !== null && !mapped.includes(openssl)) mapped.push(openssl);
  }
  return mapped.length > 0 ? mapped.join(':') : undefined;
}

export function mapCurves(names: readonly string[] | undefined): string | undefined {
  if (!names || names.length === 0) return undefined;
  const mapped: string[] = [];
  for (const goName of names) {
    const group = CURVES.get(goName);
    if (group === undefined) throw new Error(`invalid CurveID in curvePreferences: ${goName}`);
    if (!mapped.includes(group)) mapped.push(group);
  }
  return mapped.join(':');
}

function mapClientAuth(config: TlsOptionsConfig['clientAuth']): ClientAuthSettings {
  const caFiles = config?.caFiles ?? [];
  const type = config?.clientAuthType || (caFiles.length > 0 ? 'RequireAndVerifyClientCert' : 'NoClientCert');
  const ca = caFiles.map((source) => {
    try {
      return readPemSource(source);
    } catch (err) {
      throw new Error(`unable to read CA file ${describePemSource(source)}: ${(err as Error).message}`);
    }
  });
  switch (type) {
    case 'NoClientCert':
      return NO_CLIENT_AUTH;
    case 'RequestClientCert':
    case 'RequireAnyClientCert':
      return { type, requestCert: true, rejectUnauthorized: false, ca };
    case 'VerifyClientCertIfGiven':
    case 'RequireAndVerifyClientCert':
      if (ca.length === 0) throw new Error(`invalid clientAuthType: ${type}, CAFiles is required`);
      return { type, requestCert: true, rejectUnauthorized: type === 'RequireAndVerifyClientCert', ca };
    default:
      throw new Error(`unknown client auth type "${type}"`);
  }
}

export function versionRank(version: SecureVersion): number {
  return VERSION_RANK[version];
}

/** Whether a negotiated protocol (`socket.getProtocol()`) lies inside the option's range. */
export function versionAllowed(option: ResolvedTlsOption, protocol: string | null): boolean {
  const rank = protocol === null ? undefined : VERSION_RANK[protocol as SecureVersion];
  if (rank === undefined) return false;
  return rank >= versionRank(option.minVersion) && rank <= versionRank(option.maxVersion);
}

/** OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 signatures) at its default security level; a user asking for them gets level 0. */
export function withLegacySecurityLevel(option: Pick<ResolvedTlsOption, 'ciphers' | 'minVersion'>): string | undefined {
  if (versionRank(option.minVersion) >= 12) return option.ciphers;
  return `${option.ciphers ?? 'DEFAULT'}@SECLEVEL=0`;
}
