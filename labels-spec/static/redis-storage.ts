// certificatesResolvers.<name>.acme.redisStorage: pe-edge's own key (Traefik's open-source ACME has no shared
// store). The connection keys are those of Traefik v3.4's rateLimit `redis` (endpoints, username, password, db, tls,
// timeouts, with its defaults); keyPrefix and leaseDuration are the store's own.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, int, nonEmptyStr, str, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';

/** A Redis client's TLS, as Traefik's ClientTLS: each of ca/cert/key is a file path or the PEM itself. */
export const redisClientTls = strictObject({
  ca: str.default(''),
  cert: str.default(''),
  key: str.default(''),
  insecureSkipVerify: bool.default(false),
});

const positive = (name: string) => duration.refine((ms) => ms > 0, `${name} must be greater than 0`);

export const acmeRedisStorageSchema = strictObject({
  // Traefik's rateLimit.redis default. One server (or a proxy such as a Sentinel-aware one in front of several).
  endpoints: strList
    .default(['localhost:6379'])
    .refine((list) => list.length === 1, 'the certificate store connects to exactly one Redis endpoint (host:port)'),
  username: str.default(''),
  password: str.default(''),
  db: int.pipe(z.number().min(0, 'db must be >= 0')).default(0),
  tls: redisClientTls.optional(),
  dialTimeout: positive('dialTimeout').default('5s'),
  readTimeout: positive('readTimeout').default('3s'),
  writeTimeout: positive('writeTimeout').default('3s'),
  // Every key and channel of the store starts with this: replicas sharing certificates use the same prefix.
  keyPrefix: nonEmptyStr.default('pe-edge:acme:'),
  // How long an order's lease outlives a replica that stopped renewing it (it renews every third of this).
  leaseDuration: duration.refine((ms) => ms >= 1000, 'leaseDuration must be at least 1s').default('60s'),
});

export type AcmeRedisStorage = z.output<typeof acmeRedisStorageSchema>;
export type RedisClientTls = z.output<typeof redisClientTls>;
