import { randomBytes } from 'node:crypto';
import { generateSelfSignedCertificate, type CertificateAndKey } from './self-signed-certificate.js';

export const DEFAULT_CERT_COMMON_NAME = 'TRAEFIK DEFAULT CERT';

let generated: CertificateAndKey | undefined;

/**
 * Traefik's fallback certificate: RSA 2048, CN `TRAEFIK DEFAULT CERT`, SAN `<32 hex>.<32 hex>.traefik.default`, one year.
 * RSA on purpose: an SNI context only adds its certificate to the key-type slot it fills, so an EC default would
 * keep winning over RSA SNI certificates with ECDSA-preferring clients (see tls-store.ts).
 * Traefik regenerates it on every reload; pe-edge makes it once per process so reloads stay cheap and
 * clients that pinned it for a session keep seeing the same one.
 */
export function generatedDefaultCertificate(): CertificateAndKey {
  if (!generated) {
    const notBefore = new Date();
    const notAfter = new Date(notBefore.getTime() + 365 * 24 * 3600 * 1000);
    const san = `${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}.traefik.default`;
    generated = generateSelfSignedCertificate({ commonName: DEFAULT_CERT_COMMON_NAME, dnsNames: [san], notBefore, notAfter });
  }
  return generated;
}
