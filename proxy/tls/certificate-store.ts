import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { describePemSource, readPemSource } from './pem-source.js';

/** One certificate with its key, the names it answers for, and its SecureContext made on first use. */
export interface LoadedCertificate {
  readonly cert: string;
  readonly key: string;
  /** Lower-case DNS names (SAN DNS entries, else the CN); wildcards kept as `*.example.com`. */
  readonly names: readonly string[];
  readonly x509: X509Certificate;
  /** Content hash of cert + key: the cache key that lets a reload reuse the parsed certificate and its context. */
  readonly contentKey: string;
  secureContext(): SecureContext;
}

export interface CertificateSource {
  certFile: string;
  keyFile: string;
}

/**
 * Reads and checks one certificate. `reuse` holds certificates from the previous build, by content key, so an
 * unchanged certificate keeps its parsed form and SecureContext across reloads. Throws a message naming the file.
 */
export function loadCertificate(source: CertificateSource, reuse?: ReadonlyMap<string, LoadedCertificate>): LoadedCertificate {
  const cert = readSource(source.certFile, 'certificate');
  const key = readSource(source.keyFile, 'key');
  const contentKey = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
  const previous = reuse?.get(contentKey);
  if (previous) return previous;

  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('private key does not match the certificate');
  } catch (err) {
    throw new Error(`invalid certificate ${describePemSource(source.certFile)}: ${(err as Error).message}`);
  }
  let context: SecureContext | undefined;
  return {
    cert,
    key,
    names: certificateNames(x509),
    x509,
    contentKey,
    secureContext() {
      // Node copies only certificate, key and chain from an SNI context (versions and ciphers stay the server's), so one per certificate is enough.
      context ??= createSecureContext({ cert, key });
      return context;
    },
  };
}

function readSource(value: string, what: string): string {
  try {
    return readPemSource(value);
  } catch (err) {
    throw new Error(`unable to read ${what} file ${describePemSource(value)}: ${(err as Error).message}`);
  }
}

/** SAN DNS names, or the subject CN when the certificate has no DNS SAN; lower-case. */
export function certificateNames(x509: X509Certificate): string[] {
  const names: string[] = [];
  for (const entry of (x509.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) names.push(entry.slice(4).toLowerCase());
  }
  if (names.length > 0) return names;
  const cn = x509.subject.split('\n').find((line) => line.startsWith('CN='));
  return cn ? [cn.slice(3).toLowerCase()] : [];
}

/** SNI host as matched: lower-case, one trailing dot removed. */
export function normalizeServerName(servername: string): string {
  const lower = servername.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Certificates indexed by name. Lookup is two map reads: the exact name, then `*.` + parent domain
 * (a wildcard covers exactly one label, as Traefik's MatchDomain). The first certificate listed for a name wins.
 */
export class CertificateIndex {
  private readonly byName = new Map<string, LoadedCertificate>();

  constructor(certificates: Iterable<LoadedCertificate>) {
    for (const certificate of certificates) {
      for (const name of certificate.names) if (!this.byName.has(name)) this.byName.set(name, certificate);
    }
  }

  /** `host` must be normalised (normalizeServerName). */
  match(host: string): LoadedCertificate | undefined {
    const exact = this.byName.get(host);
    if (exact) return exact;
    const dot = host.indexOf('.');
    return dot > 0 ? this.byName.get(`*${host.slice(dot)}`) : undefined;
  }

  get size(): number {
    return this.byName.size;
  }
}
