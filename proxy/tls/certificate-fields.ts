import { ipv6Text } from '../http/ipv6-text.js';

/**
 * The fields of an X.509 certificate that passTLSClientCert reports, read from its DER as Go's crypto/x509
 * and pkix.Name read them: names as lists in certificate order (CommonName and SerialNumber the last one
 * seen), domain components from the attribute list, SANs grouped DNS, e-mail, IP, URI, serial in decimal.
 */
export interface NameFields {
  readonly country: string[];
  readonly province: string[];
  readonly locality: string[];
  readonly organization: string[];
  readonly organizationalUnit: string[];
  readonly domainComponent: string[];
  serialNumber: string;
  commonName: string;
}

export interface CertificateFields {
  readonly serialNumber: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subject: NameFields;
  readonly issuer: NameFields;
  readonly dnsNames: string[];
  readonly emailAddresses: string[];
  readonly ipAddresses: string[];
  readonly uris: string[];
}

interface Tlv {
  readonly tag: number;
  readonly body: Buffer;
}

/** Reads the DER elements of `data` in order; throws on a length that runs past the end. */
function elements(data: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < data.length) {
    const tag = data[i++] as number;
    let len = data[i++] as number;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new Error('unsupported DER length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + (data[i++] as number);
    }
    if (i + len > data.length) throw new Error('truncated DER');
    out.push({ tag, body: data.subarray(i, i + len) });
    i += len;
  }
  return out;
}

function only(data: Buffer): Tlv {
  const first = elements(data)[0];
  if (first === undefined) throw new Error('empty DER');
  return first;
}

function oid(body: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const b of body) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The string types Go's asn1 decodes into a string; null for any other value type. */
function asnString(t: Tlv): string | null {
  switch (t.tag) {
    case 0x0c: return t.body.toString('utf8'); // UTF8String
    case 0x13: case 0x16: case 0x12: return t.body.toString('latin1'); // Printable, IA5, Numeric
    case 0x14: return t.body.toString('latin1'); // T61String
    case 0x1e: { // BMPString, UTF-16BE
      const swapped = Buffer.from(t.body);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    default: return null;
  }
}

const DOMAIN_COMPONENT = '0.9.2342.19200300.100.1.25';

function nameFields(name: Buffer): NameFields {
  const fields: NameFields = { country: [], province: [], locality: [], organization: [], organizationalUnit: [], domainComponent: [], serialNumber: '', commonName: '' };
  for (const rdn of elements(name)) {
    for (const atv of elements(rdn.body)) {
      const [type, value] = elements(atv.body);
      if (type === undefined || value === undefined) continue;
      const text = asnString(value);
      if (text === null) continue;
      switch (oid(type.body)) {
        case '2.5.4.6': fields.country.push(text); break;
        case '2.5.4.8': fields.province.push(text); break;
        case '2.5.4.7': fields.locality.push(text); break;
        case '2.5.4.10': fields.organization.push(text); break;
        case '2.5.4.11': fields.organizationalUnit.push(text); break;
        case '2.5.4.3': fields.commonName = text; break;
        case '2.5.4.5': fields.serialNumber = text; break;
        case DOMAIN_COMPONENT: fields.domainComponent.push(text); break;
        default: break;
      }
    }
  }
  return fields;
}

function bigIntOf(body: Buffer): bigint {
  if (body.length === 0) return 0n;
  let v = BigInt(`0x${body.toString('hex')}`);
  if ((body[0] as number) & 0x80) v -= 1n << BigInt(body.length * 8);
  return v;
}

function timeOf(t: Tlv): number {
  const s = t.body.toString('latin1');
  const m = t.tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) throw new Error(`unsupported certificate time ${s}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/** Go's net.IP.String: dotted IPv4 (IPv4-mapped addresses too), RFC 5952 IPv6. */
export function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return `?${bytes.toString('hex')}`;
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return [...bytes.subarray(12)].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  return ipv6Text(groups);
}

/** The passTLSClientCert fields of a DER certificate. */
export function certificateFields(der: Buffer): CertificateFields {
  const tbs = elements(only(der).body)[0];
  if (tbs === undefined) throw new Error('certificate without TBSCertificate');
  const parts = elements(tbs.body);
  let i = parts[0]?.tag === 0xa0 ? 1 : 0;
  const serial = parts[i++] as Tlv;
  i++; // signature algorithm
  const issuer = parts[i++] as Tlv;
  const validity = elements((parts[i++] as Tlv).body);
  const subject = parts[i++] as Tlv;
  i++; // subject public key info
  const fields = {
    serialNumber: bigIntOf(serial.body).toString(),
    notBefore: timeOf(validity[0] as Tlv),
    notAfter: timeOf(validity[1] as Tlv),
    subject: nameFields(subject.body),
    issuer: nameFields(issuer.body),
    dnsNames: [] as string[], emailAddresses: [] as string[], ipAddresses: [] as string[], uris: [] as string[],
  };
  const extensions = parts.slice(i).find((p) => p.tag === 0xa3);
  if (extensions === undefined) return fields;
  for (const ext of elements(only(extensions.body).body)) {
    const [id, ...rest] = elements(ext.body);
    if (id === undefined || oid(id.body) !== '2.5.29.17') continue;
    const value = rest[rest.length - 1];
    if (value === undefined) continue;
    for (const general of elements(only(value.body).body)) {
      switch (general.tag) {
        case 0x82: fields.dnsNames.push(general.body.toString('latin1')); break;
        case 0x81: fields.emailAddresses.push(general.body.toString('latin1')); break;
        case 0x87: fields.ipAddresses.push(formatIp(general.body)); break;
        case 0x86: fields.uris.push(general.body.toString('latin1')); break;
        default: break;
      }
    }
  }
  return fields;
}
