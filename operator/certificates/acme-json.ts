// Traefik's acme.json format (pkg/provider/acme/local_store.go, account.go, store.go): what one
// resolver's entry holds, read and written the way Go's encoding/json does, so a file moves between
// Traefik and pe-edge in both directions.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

export interface StoredAccount {
  email: string;
  registration: { body: unknown; uri: string } | null;
  privateKeyPem: string;
  /** lego's key type string: 'P256', 'P384', '2048', '4096', '8192'. */
  keyType: string;
}

export interface StoredCertificate {
  domain: { main: string; sans: string[] };
  /** PEM bundle, leaf first. */
  certificatePem: string;
  keyPem: string;
  /** TLS store; Traefik always writes 'default'. */
  store: string;
}

export interface ResolverData {
  account: StoredAccount | null;
  certificates: StoredCertificate[];
}

/** The file's JSON is valid but not the shape Traefik writes; the message says where. */
export class AcmeShapeError extends Error {}

export type TraefikKeyType = 'EC256' | 'EC384' | 'RSA2048' | 'RSA4096' | 'RSA8192';
export type LegoKeyType = 'P256' | 'P384' | '2048' | '4096' | '8192';

const KEY_TYPES: readonly (readonly [TraefikKeyType, LegoKeyType])[] = [
  ['EC256', 'P256'], ['EC384', 'P384'], ['RSA2048', '2048'], ['RSA4096', '4096'], ['RSA8192', '8192'],
];
const TRAEFIK_TO_LEGO: ReadonlyMap<string, LegoKeyType> = new Map(KEY_TYPES);
const LEGO_TO_TRAEFIK: ReadonlyMap<string, TraefikKeyType> = new Map(KEY_TYPES.map(([t, l]) => [l, t]));

/**
 * lego's key type for a Traefik `keyType` (exact spelling, as Traefik's switch); undefined for any
 * other name, where Traefik falls back to RSA4096 with an info log.
 */
export function parseTraefikKeyType(name: string): LegoKeyType | undefined {
  return TRAEFIK_TO_LEGO.get(name);
}

/** The Traefik `keyType` name of a lego key type string (as stored in acme.json's `KeyType`). */
export function traefikKeyTypeName(lego: string): TraefikKeyType | undefined {
  return LEGO_TO_TRAEFIK.get(lego);
}

/** NotAfter of the first (leaf) certificate of a PEM bundle; throws when it cannot be parsed. */
export function certificateNotAfter(pem: string): Date {
  // The first block only, as Go's pem.Decode: OpenSSL rejects a bundle whose blocks are not
  // separated by a line break, and text around the blocks is not ours to judge.
  const leaf = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (leaf === undefined) throw new Error('no PEM certificate found');
  // node 20 has no validToDate; validTo is OpenSSL's "Mon DD HH:MM:SS YYYY GMT", which Date reads.
  const notAfter = new Date(new X509Certificate(leaf).validTo);
  if (Number.isNaN(notAfter.getTime())) throw new Error('certificate has an unreadable NotAfter');
  return notAfter;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Go's encoding/json matches a struct field's name exactly first, then case-insensitively.
function field(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(obj)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function stringField(obj: Record<string, unknown>, name: string, at: string): string {
  const v = field(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new AcmeShapeError(`${at}.${name}: expected a string`);
  return v;
}

// Go's []byte: standard base64 with padding; it skips line breaks and nothing else.
function bytesField(obj: Record<string, unknown>, name: string, at: string): Buffer {
  const v = field(obj, name);
  if (v === undefined || v === null) return Buffer.alloc(0);
  const text = typeof v === 'string' ? v.replace(/[\r\n]/g, '') : undefined;
  if (text === undefined || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new AcmeShapeError(`${at}.${name}: expected base64 text`);
  }
  return Buffer.from(text, 'base64');
}

function objectOrNull(v: unknown, at: string): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw new AcmeShapeError(`${at}: expected an object`);
  return v;
}

function pemOf(key: KeyObject, type: 'pkcs1' | 'sec1' | 'pkcs8'): string {
  const pem = key.export({ format: 'pem', type });
  return typeof pem === 'string' ? pem : pem.toString('utf8');
}

// Traefik writes and reads PKCS#1 (its account keys are RSA); SEC1 (an EC key, as
// x509.MarshalECPrivateKey writes it) and PKCS#8 are read too, so any such key written by hand loads.
function accountKeyPem(der: Buffer, at: string): string {
  for (const type of ['pkcs1', 'sec1', 'pkcs8'] as const) {
    try {
      return pemOf(createPrivateKey({ key: der, format: 'der', type }), type);
    } catch {
      // not this encoding; try the next
    }
  }
  throw new AcmeShapeError(`${at}.PrivateKey: not a PKCS#1, SEC1 or PKCS#8 private key`);
}

function decodeAccount(raw: unknown, at: string): StoredAccount | null {
  const obj = objectOrNull(raw, at);
  if (obj === null) return null;
  const reg = objectOrNull(field(obj, 'Registration'), `${at}.Registration`);
  const der = bytesField(obj, 'PrivateKey', at);
  return {
    email: stringField(obj, 'Email', at),
    registration: reg === null ? null : { body: field(reg, 'body') ?? {}, uri: stringField(reg, 'uri', `${at}.Registration`) },
    privateKeyPem: der.length === 0 ? '' : accountKeyPem(der, at),
    keyType: stringField(obj, 'KeyType', at),
  };
}

function decodeSans(raw: unknown, at: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((s) => typeof s === 'string')) throw new AcmeShapeError(`${at}.sans: expected a list of strings`);
  return raw;
}

function decodeCertificate(raw: unknown, at: string): StoredCertificate | null {
  const obj = objectOrNull(raw, at);
  if (obj === null) return null;
  const domain = objectOrNull(field(obj, 'domain'), `${at}.domain`) ?? {};
  return {
    domain: { main: stringField(domain, 'main', `${at}.domain`), sans: decodeSans(field(domain, 'sans'), `${at}.domain`) },
    certificatePem: bytesField(obj, 'certificate', at).toString('utf8'),
    keyPem: bytesField(obj, 'key', at).toString('utf8'),
    // Traefik only ever writes 'default'; an entry without it belongs there too.
    store: stringField(obj, 'Store', at) || 'default',
  };
}

/**
 * One resolver's entry as stored (`undefined`/`null`: no data). Certificates without a certificate
 * or a key are dropped, as Traefik does on load. Throws AcmeShapeError for a wrong shape.
 */
export function decodeResolverData(raw: unknown, resolver: string): ResolverData {
  const at = JSON.stringify(resolver);
  const obj = objectOrNull(raw, at);
  if (obj === null) return { account: null, certificates: [] };
  const certs = field(obj, 'Certificates');
  if (certs !== undefined && certs !== null && !Array.isArray(certs)) throw new AcmeShapeError(`${at}.Certificates: expected a list`);
  const certificates = (certs ?? [])
    .map((c: unknown, i: number) => decodeCertificate(c, `${at}.Certificates[${i}]`))
    .filter((c: StoredCertificate | null): c is StoredCertificate => c !== null && c.certificatePem !== '' && c.keyPem !== '');
  return { account: decodeAccount(field(obj, 'Account'), `${at}.Account`), certificates };
}

/** The whole file's entries, keyed by resolver name; empty text is no data. Throws on a wrong shape. */
export function parseAcmeFile(text: string): Record<string, unknown> {
  if (text.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AcmeShapeError(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (parsed === null) return {};
  if (!isObject(parsed)) throw new AcmeShapeError('expected an object keyed by resolver name');
  // Go unmarshals every entry, so one bad entry fails the whole file for every resolver.
  for (const [name, entry] of Object.entries(parsed)) decodeResolverData(entry, name);
  return parsed;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

// The body is lego's acme.Account: only its fields, in its order, each `omitempty`.
function registrationBody(body: unknown): unknown {
  if (!isObject(body)) return {};
  const out: Record<string, unknown> = {};
  for (const name of ['status', 'contact', 'termsOfServiceAgreed', 'orders', 'onlyReturnExisting', 'externalAccountBinding']) {
    const v = body[name];
    const empty = v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0);
    if (!empty) out[name] = v;
  }
  return out;
}

// Account.PrivateKey: RSA as x509.MarshalPKCS1PrivateKey, EC as x509.MarshalECPrivateKey.
function accountKeyDer(pem: string, resolver: string): string {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType === 'rsa') return key.export({ format: 'der', type: 'pkcs1' }).toString('base64');
  if (key.asymmetricKeyType === 'ec') return key.export({ format: 'der', type: 'sec1' }).toString('base64');
  throw new Error(`the account key of resolver "${resolver}" is ${key.asymmetricKeyType ?? 'unknown'}; acme.json holds RSA or EC keys only`);
}

/** One resolver's entry as Traefik marshals its StoredData (`omitempty` where Go has it). */
export function encodeResolverData(data: ResolverData, resolver: string): unknown {
  const a = data.account;
  return {
    Account: a === null ? null : {
      Email: a.email,
      Registration: a.registration === null ? null : {
        body: registrationBody(a.registration.body),
        ...(a.registration.uri !== '' ? { uri: a.registration.uri } : {}),
      },
      PrivateKey: a.privateKeyPem === '' ? null : accountKeyDer(a.privateKeyPem, resolver),
      KeyType: a.keyType,
    },
    // A nil slice in Go, as Traefik has before its first certificate.
    Certificates: data.certificates.length === 0 ? null : data.certificates.map((c) => ({
      domain: {
        ...(c.domain.main !== '' ? { main: c.domain.main } : {}),
        ...(c.domain.sans.length > 0 ? { sans: c.domain.sans } : {}),
      },
      ...(c.certificatePem !== '' ? { certificate: base64(c.certificatePem) } : {}),
      ...(c.keyPem !== '' ? { key: base64(c.keyPem) } : {}),
      Store: c.store,
    })),
  };
}

/**
 * The file text as json.MarshalIndent(map, "", "  ") writes it: map keys sorted, two-space indent,
 * no trailing newline, and Go's HTML-safe escapes for <, >, & and U+2028/U+2029.
 */
export function formatAcmeFile(entries: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(entries).sort()) sorted[name] = entries[name];
  return JSON.stringify(sorted, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
