import { createSecureContext, DEFAULT_CIPHERS, type SecureContext, type SecureVersion, type TLSSocket } from 'node:tls';
import { CertificateIndex, loadCertificate, normalizeServerName, type LoadedCertificate } from './certificate-store.js';
import { serverNameOf } from './hello-server-name.js';
import { generatedDefaultCertificate } from './default-certificate.js';
import { describePemSource } from './pem-source.js';
import type { TlsIssue, TlsSection } from './tls-config.js';
import {
  BUILT_IN_DEFAULT_OPTION,
  clientAuthRefusal,
  hostCipherRefusal,
  hostClientAuthRefusal,
  resolveTlsOption,
  sessionContextOf,
  versionAllowed,
  withLegacySecurityLevel,
  type ResolvedTlsOption,
} from './tls-options.js';

export type SniCallback = (err: Error | null, ctx?: SecureContext) => void;

/** What an HTTPS server for one TLS option is made with: the option in node's terms, and the default certificate. */
export interface HttpsServerSettings {
  cert: string;
  key: string;
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  ciphers: string | undefined;
  ecdhCurve: string | undefined;
  ca: string[] | undefined;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  /** Which sessions may resume here: `sessionContextOf` the option. */
  sessionIdContext: string;
}

/** The settings of the HTTPS server for `option`, whose base context holds `certificate` (the store's default). */
export function httpsServerSettings(option: ResolvedTlsOption, certificate: LoadedCertificate): HttpsServerSettings {
  const clientAuth = option.clientAuth;
  return {
    cert: certificate.cert,
    key: certificate.key,
    minVersion: option.minVersion,
    maxVersion: option.maxVersion,
    ciphers: withLegacySecurityLevel({ ciphers: ecdsaFirst(option.ciphers ?? DEFAULT_CIPHERS), minVersion: option.minVersion }),
    ecdhCurve: option.ecdhCurve,
    ca: clientAuth.ca.length > 0 ? [...clientAuth.ca] : undefined,
    requestCert: clientAuth.requestCert,
    rejectUnauthorized: clientAuth.rejectUnauthorized,
    sessionIdContext: sessionContextOf(option),
  };
}

/** The TLS store: certificates every entrypoint serves, and per entrypoint the TLS option each host's routers chose. */
export interface TlsStore {
  readonly defaultCertificate: LoadedCertificate;
  /** The `default` option: a ClientHello without SNI, or naming a host no TLS router's option claims, gets it. */
  readonly defaultOption: ResolvedTlsOption;
  /** The configured certificate for an SNI name, without the default fallback. */
  certificateFor(servername: string): LoadedCertificate | undefined;
  /** Every configured certificate (files and resolvers), without the default one: what traefik_tls_certs_not_after shows. */
  readonly certificates: readonly LoadedCertificate[];
  /**
   * The store as one entrypoint's HTTPS servers see it: the options of that entrypoint's hosts only, as Traefik maps
   * hosts to options per entrypoint (an entrypoint no TLS router uses maps none). The same object until the next build.
   */
  forEntryPoint(entryPoint: string): EntryPointTlsStore;
}

/** One entrypoint's view of the store: its hosts' TLS options, over the store's certificates. */
export interface EntryPointTlsStore {
  readonly defaultCertificate: LoadedCertificate;
  readonly defaultOption: ResolvedTlsOption;
  /** `default` and every option a host of this entrypoint uses: the HTTPS servers it may need. */
  readonly optionsInUse: readonly ResolvedTlsOption[];
  /**
   * Node's SNICallback, on the HTTPS server made for `applied` (absent: the host's option), whose client CAs the SNI
   * context carries. Pass the TLSSocket (Node calls SNICallback with `this` bound to it) so the negotiated version is
   * checked against the host's option during the handshake.
   */
  sniCallback(servername: string, cb: SniCallback, socket?: TLSSocket, applied?: ResolvedTlsOption): void;
  /**
   * After a handshake on the server made for `applied`: what OpenSSL cannot check (strict SNI and the name of a resumed
   * session, an expired client certificate on resumption), and anything the host's option refuses that `applied` let
   * through (a reload between the ClientHello and the handshake may have given the host another option).
   */
  checkSecureConnection(socket: TLSSocket, applied: ResolvedTlsOption): Error | undefined;
  /** The TLS option for a (lower-case) host on this entrypoint: exact name, then a `*.parent` entry, else `default`. */
  optionForHost(host: string): ResolvedTlsOption;
  /** The TLS option a ClientHello's SNI (as sent) selects on this entrypoint: `default` without one. */
  optionForServerName(servername: string | false | null | undefined): ResolvedTlsOption;
  certificateFor(servername: string): LoadedCertificate | undefined;
}

/**
 * Traefik's refusal under `sniStrict`: no configured certificate for the name the client sent, or no name. The SNI
 * callbacks refuse such a name during a full handshake; a resumed one skips them, so a ticket offered with another
 * name (or after a reload removed its certificate) is caught here, once the handshake is done (the name of a resumed
 * TLS 1.2 handshake comes from the ClientHello the entrypoint read: hello-server-name.ts).
 */
export function strictSniRefusal(option: Pick<ResolvedTlsOption, 'sniStrict'>, servername: string, store: Pick<TlsStore, 'certificateFor'>): Error | undefined {
  if (!option.sniStrict || (servername !== '' && store.certificateFor(servername) !== undefined)) return undefined;
  return new Error(`strict SNI enabled - No certificate found for domain: "${normalizeServerName(servername)}", closing connection`);
}

// Certificates of the last build by content key: a reload re-reads files but reuses parsed certificates and contexts.
let previousCertificates: ReadonlyMap<string, LoadedCertificate> = new Map();

/** Per entrypoint, a lower-case host's TLS option name ('default' included): what its TLS routers there chose. */
export type HostOptionsByEntryPoint = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * Builds the TLS store from the dynamic `tls` section. `hostOptions` maps, per entrypoint, a lower-case host to the TLS
 * option name its routers there use. Bad certificates and options are reported and left out; the store always works.
 */
export function buildTlsStore(tls: TlsSection, hostOptions: HostOptionsByEntryPoint): { store: TlsStore; issues: TlsIssue[] } {
  const issues: TlsIssue[] = [];
  const reuse = previousCertificates;
  const current = new Map<string, LoadedCertificate>();
  const keep = (certificate: LoadedCertificate): LoadedCertificate => {
    current.set(certificate.contentKey, certificate);
    return certificate;
  };

  const certificates: LoadedCertificate[] = [];
  for (const config of tls.certificates) {
    // Stores other than `default` exist in Traefik but no router ever uses them.
    if (config.stores && config.stores.length > 0 && !config.stores.includes('default')) continue;
    try {
      certificates.push(keep(loadCertificate(config, reuse)));
    } catch (err) {
      issues.push({ message: (err as Error).message, item: describePemSource(config.certFile) });
    }
  }

  let defaultCertificate: LoadedCertificate | undefined;
  const configuredDefault = tls.stores['default']?.defaultCertificate;
  if (configuredDefault) {
    try {
      defaultCertificate = keep(loadCertificate(configuredDefault, reuse));
    } catch (err) {
      issues.push({ message: `default certificate: ${(err as Error).message}`, item: describePemSource(configuredDefault.certFile) });
    }
  }
  if (!defaultCertificate) {
    const generated = generatedDefaultCertificate();
    defaultCertificate = keep(loadCertificate({ certFile: generated.cert, keyFile: generated.key }, reuse));
  }
  previousCertificates = current;

  const options = new Map<string, ResolvedTlsOption>();
  for (const [name, config] of Object.entries(tls.options)) {
    try {
      options.set(name, resolveTlsOption(name, config));
    } catch (err) {
      issues.push({ message: (err as Error).message, item: name });
    }
  }
  const defaultOption = options.get('default') ?? BUILT_IN_DEFAULT_OPTION;

  const unknown = new Set<string>();
  const views = new Map<string, { optionByHost: Map<string, ResolvedTlsOption>; used: ResolvedTlsOption[] }>();
  for (const [entryPoint, hosts] of hostOptions) {
    const optionByHost = new Map<string, ResolvedTlsOption>();
    const used = new Set<ResolvedTlsOption>([defaultOption]);
    for (const [host, name] of hosts) {
      const option = name === 'default' ? defaultOption : options.get(name);
      if (!option) {
        if (!(name in tls.options)) unknown.add(name);
        continue; // the host falls back to `default`
      }
      optionByHost.set(normalizeServerName(host), option);
      used.add(option);
    }
    views.set(entryPoint, { optionByHost, used: [...used] });
  }
  for (const name of unknown) issues.push({ message: `unknown TLS options: ${name}`, item: name });
  const store = new SniTlsStore(certificates, defaultCertificate, defaultOption, views);
  return { store, issues };
}

class SniTlsStore implements TlsStore {
  readonly index: CertificateIndex;
  private readonly views = new Map<string, EntryPointView>();
  private readonly noHosts: EntryPointView;

  constructor(
    readonly certificates: readonly LoadedCertificate[],
    readonly defaultCertificate: LoadedCertificate,
    readonly defaultOption: ResolvedTlsOption,
    views: ReadonlyMap<string, { optionByHost: ReadonlyMap<string, ResolvedTlsOption>; used: readonly ResolvedTlsOption[] }>,
  ) {
    this.index = new CertificateIndex(certificates);
    for (const [entryPoint, { optionByHost, used }] of views) this.views.set(entryPoint, new EntryPointView(this, optionByHost, used));
    this.noHosts = new EntryPointView(this, new Map(), [defaultOption]);
  }

  forEntryPoint(entryPoint: string): EntryPointTlsStore {
    return this.views.get(entryPoint) ?? this.noHosts;
  }

  certificateFor(servername: string): LoadedCertificate | undefined {
    return this.index.match(normalizeServerName(servername));
  }

  /**
   * The SNI context of a certificate. With clientAuth CAs it carries them too: OpenSSL verifies the client's
   * certificate against the store of the context SNI switched to, so one without them refuses every client.
   */
  contextFor(certificate: LoadedCertificate, ca: readonly string[]): SecureContext {
    if (ca.length === 0) return certificate.secureContext();
    let contexts = this.clientAuthContexts.get(certificate);
    if (contexts === undefined) this.clientAuthContexts.set(certificate, (contexts = new Map()));
    // Keyed by the CAs themselves: every option verifying against the same ones shares a context.
    const key = ca.join('\0');
    let context = contexts.get(key);
    if (context === undefined) contexts.set(key, (context = createSecureContext({ cert: certificate.cert, key: certificate.key, ca: [...ca] })));
    return context;
  }

  private readonly clientAuthContexts = new WeakMap<LoadedCertificate, Map<string, SecureContext>>();
}

/** One entrypoint's hosts and their options, over the store's certificates (shared by every entrypoint). */
class EntryPointView implements EntryPointTlsStore {
  constructor(
    private readonly store: SniTlsStore,
    private readonly optionByHost: ReadonlyMap<string, ResolvedTlsOption>,
    readonly optionsInUse: readonly ResolvedTlsOption[],
  ) {}

  get defaultCertificate(): LoadedCertificate {
    return this.store.defaultCertificate;
  }

  get defaultOption(): ResolvedTlsOption {
    return this.store.defaultOption;
  }

  sniCallback(servername: string, cb: SniCallback, socket?: TLSSocket, applied?: ResolvedTlsOption): void {
    const host = normalizeServerName(servername);
    const option = this.optionForHost(host);
    if (socket && typeof socket.getProtocol === 'function') {
      const protocol = socket.getProtocol();
      if (!versionAllowed(option, protocol)) return cb(versionError(option, protocol));
    }
    // The name as the client sent it: certificateFor normalizes it once, as `host` was (not idempotent: "a.test..").
    const unknownName = strictSniRefusal(option, servername, this.store);
    if (unknownName !== undefined) return cb(unknownName);
    const certificate = this.store.index.match(host);
    try {
      cb(null, this.store.contextFor(certificate ?? this.store.defaultCertificate, (applied ?? option).clientAuth.ca));
    } catch (err) {
      cb(err as Error);
    }
  }

  checkSecureConnection(socket: TLSSocket, applied: ResolvedTlsOption): Error | undefined {
    const servername = serverNameOf(socket);
    const option = this.optionForServerName(servername);
    const unknownName = strictSniRefusal(option, servername, this.store);
    if (unknownName !== undefined) return unknownName;
    const protocol = socket.getProtocol();
    if (!versionAllowed(option, protocol)) return versionError(option, protocol);
    if (option.ciphers !== applied.ciphers) {
      const cipher = hostCipherRefusal(option, socket);
      if (cipher !== undefined) return cipher;
    }
    return clientAuthRefusal(applied.clientAuth, socket) ?? hostClientAuthRefusal(option, applied.clientAuth, socket);
  }

  optionForServerName(servername: string | false | null | undefined): ResolvedTlsOption {
    return typeof servername === 'string' && servername !== '' ? this.optionForHost(normalizeServerName(servername)) : this.store.defaultOption;
  }

  optionForHost(host: string): ResolvedTlsOption {
    const exact = this.optionByHost.get(host);
    if (exact) return exact;
    const dot = host.indexOf('.');
    return (dot > 0 ? this.optionByHost.get(`*${host.slice(dot)}`) : undefined) ?? this.store.defaultOption;
  }

  certificateFor(servername: string): LoadedCertificate | undefined {
    return this.store.certificateFor(servername);
  }
}

/**
 * Node applies only the certificate of an SNI context, into the slot of its key type; the base context's default
 * certificate keeps the other slot. With the RSA default, putting ECDHE-ECDSA suites first makes OpenSSL pick an EC SNI
 * certificate when there is one and fall back to the RSA slot (the SNI certificate or the default) otherwise.
 * Go ignores the order of cipherSuites, so reordering changes nothing a Traefik user relies on.
 */
export function ecdsaFirst(ciphers: string): string {
  const list = ciphers.split(':');
  const ecdsa = list.filter((name) => name.includes('ECDSA'));
  const tls13 = list.filter((name) => name.startsWith('TLS_'));
  const rest = list.filter((name) => !name.includes('ECDSA') && !name.startsWith('TLS_'));
  return [...tls13, ...ecdsa, ...rest].join(':');
}

function versionError(option: ResolvedTlsOption, protocol: string | null): Error {
  return new Error(`tls: client negotiated ${protocol ?? 'no protocol'}, TLS option ${option.name} allows ${option.minVersion} to ${option.maxVersion}`);
}
