// providers.swarm: the Docker provider's options (Traefik's Shared + ClientConfig) and refreshSeconds.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, str } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { DEFAULT_RULE_TEMPLATE } from '../labels/names.js';

export const swarmProviderSchema = strictObject({
  endpoint: str.default('unix:///var/run/docker.sock'),
  username: str.default(''),
  password: str.default(''),
  tls: strictObject({
    ca: str.optional(),
    cert: str.optional(),
    key: str.optional(),
    insecureSkipVerify: bool.default(false),
  }).optional(),
  // Negative means none, as 0.
  httpClientTimeout: duration.default(0).transform((ms) => Math.max(ms, 0)),
  exposedByDefault: bool.default(true),
  network: str.default(''),
  useBindPortIP: bool.default(false),
  watch: bool.default(true),
  defaultRule: str.default(DEFAULT_RULE_TEMPLATE),
  constraints: str.default(''),
  allowEmptyServices: bool.default(false),
  // Traefik's full re-list of services and tasks while watching (15s); events only hasten it.
  refreshSeconds: duration.default(15_000).refine((ms) => ms > 0, 'must be more than 0s'),
});

export type SwarmProviderConfig = z.output<typeof swarmProviderSchema>;
