import { staticServersTransportSchema, type ServersTransport, type StaticServersTransport } from '../../labels-spec/index.js';
import type { UpstreamTransport } from './upstream-transport.js';

/** A serversTransport, static (`default@internal`) or dynamic, as far as both have the same keys. */
type AnyServersTransport = StaticServersTransport & {
  serverName?: string | undefined;
  certificates?: readonly { readonly certFile: string; readonly keyFile: string }[];
};

/** A serversTransport, its schema's defaults applied (durations in ms), as the proxy's pools take it. */
export function upstreamTransport(t: AnyServersTransport): UpstreamTransport {
  // Go offers the server the first of `certificates` its CertificateRequest accepts; node offers one: the first.
  const client = t.certificates?.[0];
  return {
    dialTimeout: t.forwardingTimeouts.dialTimeout,
    responseHeaderTimeout: t.forwardingTimeouts.responseHeaderTimeout,
    idleConnTimeout: t.forwardingTimeouts.idleConnTimeout,
    maxIdleConnsPerHost: t.maxIdleConnsPerHost,
    maxConnsPerHost: t.maxConnsPerHost,
    insecureSkipVerify: t.insecureSkipVerify,
    rootCAs: t.rootCAs,
    serverName: t.serverName,
    clientCertificate: client === undefined ? undefined : { cert: client.certFile, key: client.keyFile },
  };
}

/** A dynamic `http.serversTransports` entry: the static transport's settings plus its HTTP/2, peer-certificate and TLS version/cipher options. */
export function dynamicUpstreamTransport(t: ServersTransport): UpstreamTransport {
  return {
    ...upstreamTransport(t),
    disableHTTP2: t.disableHTTP2,
    readIdleTimeout: t.forwardingTimeouts.readIdleTimeout,
    pingTimeout: t.forwardingTimeouts.pingTimeout,
    peerCertURI: t.peerCertURI,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    cipherSuites: t.cipherSuites,
  };
}

/**
 * `default@internal` when the static configuration sets nothing: Traefik's defaults as the static schema holds them
 * (their one home), for forwardAuth's pool and for callers that build a runtime without a static configuration.
 */
export const DEFAULT_TRANSPORT: UpstreamTransport = upstreamTransport(staticServersTransportSchema.parse({}));
