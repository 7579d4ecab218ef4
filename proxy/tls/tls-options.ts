import { createHash } from 'node:crypto';
import { createSecureContext, type ConnectionOptions, type SecureVersion, type TLSSocket } from 'node:tls';
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

/**
 * Why a secure connection must be refused under `clientAuth`, checked once its handshake is done: Go's errors for a
 * missing or unverified client certificate. OpenSSL enforces `RequireAndVerifyClientCert` during a full handshake,
 * but a resumed one asks for no certificate (node then reports the session authorized), so every type that needs
 * a certificate is checked here too, and a verified one's expiry.
 */
export function clientAuthRefusal(clientAuth: ClientAuthSettings, socket: TLSSocket): Error | undefined {
  const type = clientAuth.type;
  const certificate = socket.getPeerX509Certificate();
  if ((type === 'RequireAnyClientCert' || type === 'RequireAndVerifyClientCert') && certificate === undefined) {
    return new Error('tls: client didn\'t provide a certificate');
  }
  if ((type === 'VerifyClientCertIfGiven' || type === 'RequireAndVerifyClientCert') && certificate !== undefined && !socket.authorized) {
    return new Error(`tls: failed to verify client certificate: ${String(socket.authorizationError)}`);
  }
  // A resumed session reports the verification of the handshake that made it, and its ticket lives 24 h: Go does not
  // resume a session whose client certificate has expired since (checkForResumption), so its full handshake fails
  // verification; here the resumed connection is refused with what that verification says.
  if ((type === 'VerifyClientCertIfGiven' || type === 'RequireAndVerifyClientCert') && certificate !== undefined && socket.isSessionReused()
    && Date.parse(certificate.validTo) < Date.now()) {
    return new Error('tls: failed to verify client certificate: CERT_HAS_EXPIRED');
  }
  return undefined;
}

/**
 * Why a connection to a host whose TLS option asks other client authentication than `applied` (the option of the
 * HTTPS server that made the handshake) must be refused: the option's own refusal of what came (a certificate it
 * requires and was never asked for), and any certificate it would verify, which was verified against other CAs than
 * its own, or not at all. The entrypoint hands each connection to the server of the option its SNI selects, so the
 * two differ only when a reload gave the host another option during the handshake: refused rather than served as if
 * the option asked nothing.
 */
export function hostClientAuthRefusal(option: Pick<ResolvedTlsOption, 'name' | 'clientAuth'>, applied: ClientAuthSettings, socket: TLSSocket): Error | undefined {
  const own = option.clientAuth;
  if (sameClientAuth(own, applied)) return undefined;
  const refusal = clientAuthRefusal(own, socket);
  if (refusal !== undefined) return refusal;
  if ((own.type === 'VerifyClientCertIfGiven' || own.type === 'RequireAndVerifyClientCert') && socket.getPeerX509Certificate() !== undefined
    && own.ca.join('\0') !== applied.ca.join('\0')) {
    return new Error(`tls: failed to verify client certificate: TLS option ${option.name} verifies against CAs of its own, and the handshake used others`);
  }
  return undefined;
}

/**
 * Why a connection to a host whose option lists cipher suites must be refused: it negotiated a TLS 1.0-1.2 suite
 * outside them (a reload gave the host other options than the server that made the handshake applied, as
 * hostClientAuthRefusal); TLS 1.3's suites are not Go's to configure and pass.
 */
export function hostCipherRefusal(option: Pick<ResolvedTlsOption, 'name' | 'ciphers'>, socket: TLSSocket): Error | undefined {
  if (option.ciphers === undefined || socket.getProtocol() === 'TLSv1.3') return undefined;
  const negotiated = socket.getCipher().name;
  if (option.ciphers.split(':').includes(negotiated)) return undefined;
  return new Error(`tls: client negotiated ${negotiated}, which TLS option ${option.name}'s cipherSuites leave out`);
}

/** Whether two client authentications let in the same clients (the same type and CAs). */
function sameClientAuth(a: ClientAuthSettings, b: ClientAuthSettings): boolean {
  return a.type === b.type && a.ca.join('\0') === b.ca.join('\0');
}

/**
 * The session-ID context of a TLS option (OpenSSL's sid_ctx, at most 32 bytes): a fingerprint of everything it
 * negotiates (versions, cipher suites, curves, ALPN, strict SNI, client-certificate type and CAs). A session resumes
 * only where its context is the same, so a ticket from a host whose option asks less (no client certificate, weaker
 * suites), or from before a reload that tightened the option, makes a full handshake instead. The session-ticket keys
 * are the process's (session-ticket-keys.ts); this keeps them from carrying a session across that line. HTTPS keeps
 * one server per fingerprint (https-servers.ts): options alike share one.
 */
export function sessionContextOf(option: Omit<ResolvedTlsOption, 'name'>): string {
  const { type, ca } = option.clientAuth;
  const settings = [option.minVersion, option.maxVersion, option.ciphers ?? '', option.ecdhCurve ?? '', option.alpnProtocols.join(','), String(option.sniStrict), type, ...ca];
  return createHash('sha256').update(settings.join('\0')).digest('hex').slice(0, 32);
}

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

function versionRank(version: SecureVersion): number {
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

/** A serversTransport's TLS versions and cipher suites, by Traefik's (Go's) names; each unset keeps Go's default. */
export interface BackendTlsConfig {
  readonly minVersion?: string | undefined;
  readonly maxVersion?: string | undefined;
  readonly cipherSuites?: readonly string[] | undefined;
}

/**
 * What pe-edge offers https:// servers, as Go's client does with Traefik's transport: TLS 1.2 to 1.3 unless set;
 * `cipherSuites` restricts TLS 1.0-1.2 only (Go's TLS 1.3 suites are not configurable, so TLS 1.3 names are left
 * out); a list with no TLS 1.0-1.2 suite leaves TLS 1.3 alone. Throws Traefik's message on an unknown name, and a
 * message naming the option when no handshake could ever succeed. Empty when nothing is set: Node's defaults.
 */
export function backendTlsOptions(config: BackendTlsConfig): Pick<ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers'> {
  const { minVersion: minName, maxVersion: maxName, cipherSuites } = config;
  if (minName === undefined && maxName === undefined && (cipherSuites === undefined || cipherSuites.length === 0)) return {};
  const min = versionNamed(minName, 'minimum');
  const max = versionNamed(maxName, 'maximum');
  let minVersion = min ?? 'TLSv1.2';
  const maxVersion = max ?? 'TLSv1.3';
  if (versionRank(minVersion) > versionRank(maxVersion)) {
    throw new Error(min === undefined
      ? `TLS maximum version ${String(maxName)} is below the default minimum version VersionTLS12: set minVersion too`
      : `TLS minimum version ${String(minName)} is above the maximum version ${String(maxName)}`);
  }
  const tls12 = mapCipherSuites(cipherSuites)?.split(':').filter((name) => !name.startsWith('TLS_'));
  if (cipherSuites !== undefined && cipherSuites.length > 0 && (tls12 === undefined || tls12.length === 0)) {
    if (versionRank(maxVersion) < 13) throw new Error(`cipherSuites lists no TLS 1.0-1.2 suite and maxVersion ${String(maxName)} excludes TLS 1.3: no TLS handshake is possible`);
    minVersion = 'TLSv1.3';
  }
  const ciphers = withLegacySecurityLevel({ ciphers: tls12 === undefined || tls12.length === 0 ? undefined : tls12.join(':'), minVersion });
  // OpenSSL 3 has no RC4 or 3DES: a list of only those is refused now, not at every handshake.
  try {
    createSecureContext({ ciphers, minVersion, maxVersion });
  } catch (err) {
    throw new Error(`cipherSuites ${String(cipherSuites?.join(', '))}: this OpenSSL offers none of them (${(err as Error).message})`);
  }
  return { minVersion, maxVersion, ...(ciphers !== undefined ? { ciphers } : {}) };
}

function versionNamed(name: string | undefined, bound: 'minimum' | 'maximum'): SecureVersion | undefined {
  if (name === undefined) return undefined;
  const version = VERSIONS.get(name);
  if (version === undefined) throw new Error(`invalid TLS ${bound} version: ${name}`);
  return version;
}
