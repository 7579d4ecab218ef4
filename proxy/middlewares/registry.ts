import { createBasicAuth } from './auth/basic-auth.js';
import { createDigestAuth } from './auth/digest-auth.js';
import { createForwardAuth } from './auth/forward-auth.js';
import { createPassTlsClientCert } from './auth/pass-tls-client-cert.js';
import { createBuffering } from './buffering.js';
import { createGrpcWeb } from './grpc-web/grpc-web.js';
import { HEADER_MIDDLEWARES } from './headers/index.js';
import { middlewareEntry, type MiddlewareEntry, type MiddlewareFactory } from './middleware-entry.js';
import { PATH_MIDDLEWARES } from './paths/index.js';
import { createRedirectScheme } from './redirect-scheme.js';
import { RESPONSE_MIDDLEWARES } from './response/index.js';
import { TRAFFIC_MIDDLEWARES } from './traffic/index.js';

export type { MiddlewareFactory } from './middleware-entry.js';

const CORE: readonly MiddlewareEntry[] = [
  middlewareEntry('redirectScheme', createRedirectScheme),
  middlewareEntry('buffering', createBuffering),
  middlewareEntry('basicAuth', createBasicAuth),
  middlewareEntry('forwardAuth', createForwardAuth),
  middlewareEntry('digestAuth', createDigestAuth),
  middlewareEntry('grpcWeb', createGrpcWeb),
  middlewareEntry('passTLSClientCert', createPassTlsClientCert),
];

/**
 * Middleware types pe-edge implements, by Traefik's type key. Every other valid Traefik type is accepted
 * by the schema but disables the routers that use it with a "not implemented yet" error.
 */
const FACTORIES: ReadonlyMap<string, MiddlewareFactory> = new Map<string, MiddlewareFactory>([
  ...CORE, ...TRAFFIC_MIDDLEWARES, ...HEADER_MIDDLEWARES, ...RESPONSE_MIDDLEWARES, ...PATH_MIDDLEWARES,
]);

export function middlewareFactory(type: string): MiddlewareFactory | undefined {
  return FACTORIES.get(type);
}
