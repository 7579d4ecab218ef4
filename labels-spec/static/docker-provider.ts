// providers.docker: note exposedByDefault and watch default to true.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, str } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { DEFAULT_RULE_TEMPLATE } from '../labels/names.js';

/** The Docker provider's options (Traefik's Shared + ClientConfig); the Swarm provider has them too. */
export const dockerProviderShape = {
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
};

export const dockerProviderSchema = strictObject(dockerProviderShape);

export type DockerProviderConfig = z.output<typeof dockerProviderSchema>;
