import { createDigestAuth, type DigestAuthOptions } from './auth/digest-auth.js';
import { createForwardAuth, type ForwardAuthOptions } from './auth/forward-auth.js';
import { createPassTlsClientCert, type PassTlsClientCertOptions } from './auth/pass-tls-client-cert.js';
import { createBuffering, type BufferingOptions } from './buffering.js';
import { createGrpcWeb, type GrpcWebOptions } from './grpc-web/grpc-web.js';
import { HEADER_MIDDLEWARES } from './headers/index.js';
import type { MiddlewareEntry, MiddlewareFactory } from './middleware-entry.js';
import { PATH_MIDDLEWARES } from './paths/index.js';
import { createRedirectScheme, type RedirectSchemeOptions } from './redirect-scheme.js';
import { RESPONSE_MIDDLEWARES } from './response/index.js';
import { TRAFFIC_MIDDLEWARES } from './traffic/index.js';

export type { MiddlewareFactory } from './middleware-entry.js';

const CORE: readonly MiddlewareEntry[] = [
  ['redirectScheme', (options, next) => createRedirectScheme(options as RedirectSchemeOptions, next)],
  ['buffering', (options, next) => createBuffering(options as BufferingOptions, next)],
  ['forwardAuth', (options, next, scope) => createForwardAuth(options as ForwardAuthOptions, next, scope)],
  ['digestAuth', (options, next, scope) => createDigestAuth(options as DigestAuthOptions, next, scope)],
  ['grpcWeb', (options, next) => createGrpcWeb(options as GrpcWebOptions, next)],
  ['passTLSClientCert', (options, next) => createPassTlsClientCert(options as PassTlsClientCertOptions, next)],
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
