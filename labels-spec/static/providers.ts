// providers: docker, swarm and file are modelled; Traefik's other providers are accepted as-is.
import { z } from 'zod';
import { looseObject, strictObject } from '../schema/strict-object.js';
import { strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { dockerProviderSchema } from './docker-provider.js';
import { fileProviderSchema } from './file-provider.js';
import { swarmProviderSchema } from './swarm-provider.js';

/** Traefik v3.7's provider names in its default precedence order (pkg/config/static providerNames). */
export const PROVIDER_NAMES: readonly string[] = ['kubernetesgateway', 'kubernetescrd', 'kubernetes', 'kubernetesingressnginx', 'swarm', 'docker', 'file',
  'redis', 'knative', 'consul', 'consulcatalog', 'nomad', 'etcd', 'ecs', 'http', 'zookeeper', 'rest'];

export const providersSchema = strictObject({
  // Unset: pe-edge's own default (operator/aggregation/provider-throttle.ts), not Traefik's 2 s.
  providersThrottleDuration: duration.optional(),
  docker: dockerProviderSchema.optional(),
  file: fileProviderSchema.optional(),
  swarm: swarmProviderSchema.optional(),
  rest: looseObject.optional(),
  http: looseObject.optional(),
  kubernetesIngress: looseObject.optional(),
  kubernetesCRD: looseObject.optional(),
  kubernetesGateway: looseObject.optional(),
  consulCatalog: looseObject.optional(),
  nomad: looseObject.optional(),
  ecs: looseObject.optional(),
  consul: looseObject.optional(),
  etcd: looseObject.optional(),
  zooKeeper: looseObject.optional(),
  redis: looseObject.optional(),
  plugin: looseObject.optional(),
  // v3.6+ providers: accepted, warned as not implemented when set.
  knative: looseObject.optional(),
  kubernetesIngressNGINX: looseObject.optional(),
  // v3.7: which provider's router wins a tie of priorities (first listed first); names lower-cased, as Traefik does.
  precedence: strList
    .transform((names) => names.map((n) => n.toLowerCase()))
    .pipe(z.array(z.string()).refine((names) => names.every((n) => PROVIDER_NAMES.includes(n)), (names) => ({
      message: `provider "${names.find((n) => !PROVIDER_NAMES.includes(n)) ?? ''}" is not a valid provider name (one of: ${PROVIDER_NAMES.join(', ')})`,
    })))
    .default([...PROVIDER_NAMES]),
});

export type ProvidersConfig = z.output<typeof providersSchema>;
