import { setRequestHeader } from '../../http/request-header-edit.js';
import type { Handler, RequestContext } from '../../http/request-context.js';
import { certificateFields, type CertificateFields, type NameFields } from '../../tls/certificate-fields.js';
import { goQueryEscape } from '../../http/go-text.js';

type Flags<K extends string> = Partial<Record<K, boolean>>;
type SubjectKey = 'country' | 'province' | 'locality' | 'organization' | 'organizationalUnit' | 'commonName' | 'serialNumber' | 'domainComponent';

export interface PassTlsClientCertOptions {
  pem: boolean;
  info?: {
    notAfter: boolean;
    notBefore: boolean;
    sans: boolean;
    serialNumber: boolean;
    subject?: Flags<SubjectKey> | undefined;
    issuer?: Flags<Exclude<SubjectKey, 'organizationalUnit'>> | undefined;
  } | undefined;
}

const CERT_HEADER = 'X-Forwarded-Tls-Client-Cert';
const INFO_HEADER = 'X-Forwarded-Tls-Client-Cert-Info';

/**
 * Traefik's passTLSClientCert: on a mutual-TLS request, the client certificate (`pem`: its base64 DER, the
 * PEM without armour lines and newlines) and selected fields (`info`: Go's url.QueryEscape of
 * `Subject="..";Issuer="..";SerialNumber="..";NB="..";NA="..";SAN=".."`) go upstream in request headers.
 * Without a client certificate the request passes untouched. Node exposes the client's leaf certificate
 * only, so the headers name that one (Traefik lists every certificate the client sent, leaf first).
 */
export function createPassTlsClientCert(o: PassTlsClientCertOptions, next: Handler): Handler {
  const pem = o.pem;
  const info = o.info;
  if (!pem && info === undefined) return next;
  return (ctx: RequestContext): void => {
    const cert = ctx.tlsConnection?.clientCertificate();
    if (cert !== undefined) {
      if (pem) setRequestHeader(ctx, CERT_HEADER, cert.raw.toString('base64'));
      if (info !== undefined) setRequestHeader(ctx, INFO_HEADER, goQueryEscape(certificateInfo(certificateFields(cert.raw), info)));
    }
    next(ctx);
  };
}


/** One certificate's info string, fields joined by ';' in Traefik's order, empty ones left out. */
export function certificateInfo(cert: CertificateFields, info: NonNullable<PassTlsClientCertOptions['info']>): string {
  const values: string[] = [];
  const subject = info.subject === undefined ? '' : distinguishedName(cert.subject, info.subject);
  if (subject !== '') values.push(`Subject="${subject}"`);
  const issuer = info.issuer === undefined ? '' : distinguishedName(cert.issuer, { ...info.issuer, organizationalUnit: false });
  if (issuer !== '') values.push(`Issuer="${issuer}"`);
  if (info.serialNumber && cert.serialNumber !== '') values.push(`SerialNumber="${cert.serialNumber}"`);
  if (info.notBefore) values.push(`NB="${cert.notBefore}"`);
  if (info.notAfter) values.push(`NA="${cert.notAfter}"`);
  if (info.sans) {
    const sans = [...cert.dnsNames, ...cert.emailAddresses, ...cert.ipAddresses, ...cert.uris];
    if (sans.length > 0) values.push(`SAN="${sans.join(',')}"`);
  }
  return values.join(';');
}

/** `DC=..,C=..,ST=..,L=..,O=..,OU=..,SN=..,CN=..`, the selected parts only, empty values skipped. */
function distinguishedName(name: NameFields, on: Flags<SubjectKey>): string {
  const parts: string[] = [];
  const add = (prefix: string, values: readonly string[]): void => {
    for (const v of values) if (v !== '') parts.push(`${prefix}=${v}`);
  };
  if (on.domainComponent) for (const dc of name.domainComponent) parts.push(`DC=${dc}`); // Go writes these even when empty
  if (on.country) add('C', name.country);
  if (on.province) add('ST', name.province);
  if (on.locality) add('L', name.locality);
  if (on.organization) add('O', name.organization);
  if (on.organizationalUnit) add('OU', name.organizationalUnit);
  if (on.serialNumber) add('SN', [name.serialNumber]);
  if (on.commonName) add('CN', [name.commonName]);
  return parts.join(',');
}

