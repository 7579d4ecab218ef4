// The static configuration (traefik.yml), Traefik v3.2 model with its defaults.
import { z } from 'zod';
import { looseObject, namedMap, strictObject } from '../schema/strict-object.js';
import { bool, enumIgnoringCase } from '../schema/scalars.js';
import { accessLogSchema } from './access-log.js';
import { apiSchema, pingSchema } from './api.js';
import { certificatesResolversSchema } from './certificates-resolvers.js';
import { entryPointSchema } from './entry-points.js';
import { logSchema } from './log.js';
import { metricsSchema } from './metrics.js';
import { providersSchema } from './providers.js';
import { staticServersTransportSchema } from './servers-transport.js';
import { staticTcpServersTransportSchema } from './tcp-servers-transport.js';

// Traefik creates `http` on :80 when no entrypoint is defined at all.
const entryPoints = namedMap(entryPointSchema)
  .default({})
  .transform((eps) => (Object.keys(eps).length > 0 ? eps : { http: entryPointSchema.parse({ address: ':80' }) }));

export const staticConfigSchema = strictObject({
  global: strictObject({
    checkNewVersion: bool.default(true),
    sendAnonymousUsage: bool.default(false),
    // v3.7 (warned as not implemented when set).
    notAppendXForwardedFor: bool.optional(),
  }).default({}),
  entryPoints,
  serversTransport: staticServersTransportSchema.default({}),
  // Always present, as in Traefik (its command sets dialTimeout and dialKeepAlive when the file does not).
  tcpServersTransport: staticTcpServersTransportSchema.default({}),
  providers: providersSchema.default({}),
  certificatesResolvers: certificatesResolversSchema.optional(),
  api: apiSchema.optional(),
  ping: pingSchema.optional(),
  metrics: metricsSchema.optional(),
  log: logSchema.default({}),
  accessLog: accessLogSchema.optional(),
  core: strictObject({
    defaultRuleSyntax: enumIgnoringCase(['v3', 'v2']).default('v3'),
  }).default({}),
  tracing: looseObject.optional(),
  hostResolver: looseObject.optional(),
  experimental: looseObject.optional(),
  spiffe: looseObject.optional(),
  // v3.7: OCSP stapling (warned as not implemented when set).
  ocsp: looseObject.optional(),
});

export type StaticConfig = z.output<typeof staticConfigSchema>;
