import { emptyDynamicConfig, type DynamicConfig } from '../../labels-spec/index.js';
import type { StoredCertificate } from './acme-storage.js';

/**
 * A resolver's certificates as Traefik publishes them: the dynamic configuration of provider `<resolver>.acme`,
 * certificates in the `default` store. Serving them is then the same swap as any configuration change.
 */
export function certificatesFragment(certificates: readonly StoredCertificate[]): DynamicConfig {
  const config = emptyDynamicConfig();
  for (const certificate of certificates) {
    config.tls.certificates.push({ certFile: certificate.certificatePem, keyFile: certificate.keyPem, stores: [certificate.store] });
  }
  return config;
}
