// The `tls` section of Traefik's dynamic configuration, as this layer consumes it.
// Declared locally so proxy/tls does not wait for labels-spec; the zod types use the same field names.

export interface TlsCertificateConfig {
  /** A file path, or the PEM content itself. */
  certFile: string;
  keyFile: string;
  /** Only the `default` store is ever used by routers (Traefik); empty means `default`. */
  stores?: string[];
}

export interface TlsClientAuthConfig {
  caFiles?: string[];
  clientAuthType?: string;
}

export interface TlsOptionsConfig {
  minVersion?: string;
  maxVersion?: string;
  cipherSuites?: string[];
  curvePreferences?: string[];
  sniStrict?: boolean;
  alpnProtocols?: string[];
  clientAuth?: TlsClientAuthConfig;
}

export interface TlsStoreConfig {
  defaultCertificate?: { certFile: string; keyFile: string };
}

export interface TlsSection {
  certificates: TlsCertificateConfig[];
  options: Record<string, TlsOptionsConfig>;
  stores: Record<string, TlsStoreConfig>;
}

/** A problem found while building the TLS store; the offending item is left out, the rest keeps serving. */
export interface TlsIssue {
  message: string;
  item?: string;
}
