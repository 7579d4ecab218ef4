// providers: docker and file are modelled; Traefik's other providers are accepted as-is.
import { z } from 'zod';
import { looseObject, strictObject } from '../schema/strict-object.js';
import { strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { dockerProviderSchema } from './docker-provider.js';
import { fileProviderSchema } from './file-provider.js';

export const providersSchema = strictObject({
  // Unset: pe-edge's own default (operator/aggregation/provider-throttle.ts), not Traefik's 2 s.
  providersThrottleDuration: duration.optional(),
  docker: dockerProviderSchema.optional(),
  file: fileProviderSchema.optional(),
  swarm: looseObject.optional(),
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
  // v3.6+ providers and the v3.7 provider precedence list: accepted, warned as not implemented when set.
  knative: looseObject.optional(),
  kubernetesIngressNGINX: looseObject.optional(),
  precedence: strList.optional(),
});

export type ProvidersConfig = z.output<typeof providersSchema>;
