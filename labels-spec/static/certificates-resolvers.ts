// certificatesResolvers.<name>.acme.
import { z } from 'zod';
import { looseObject, namedMap, strictObject } from '../schema/strict-object.js';
import { bool, enumIgnoringCase, int, nonEmptyStr, str, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { acmeRedisStorageSchema } from './redis-storage.js';

export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

export const acmeSchema = strictObject({
  email: str.default(''),
  caServer: str.default(LETS_ENCRYPT_PRODUCTION),
  storage: nonEmptyStr.default('acme.json'),
  keyType: enumIgnoringCase(['EC256', 'EC384', 'RSA2048', 'RSA4096', 'RSA8192']).default('RSA4096'),
  // Hours; 2160 = 90 days.
  certificatesDuration: int.pipe(z.number().min(1, 'certificatesDuration must be >= 1 (hours)')).default(2160),
  preferredChain: str.default(''),
  eab: strictObject({ kid: str, hmacEncoded: str }).optional(),
  caCertificates: strList.default([]),
  caSystemCertPool: bool.default(false),
  caServerName: str.default(''),
  // Traefik v3.1+: a whole request to the CA, and the wait for its response head (lego's HTTP client).
  clientTimeout: duration.default('120s'),
  clientResponseHeaderTimeout: duration.default('30s'),
  // Keys of later Traefik lines (ACME profiles, several contacts, no CN): accepted so the file
  // loads, and each warned about by name as not implemented (labels-spec/static/implemented.ts).
  profile: str.optional(),
  emailAddresses: strList.optional(),
  disableCommonName: bool.optional(),
  httpChallenge: strictObject({ entryPoint: nonEmptyStr, delay: duration.optional() }).optional(),
  tlsChallenge: strictObject({ delay: duration.optional() }).optional(),
  // v3.7: how long one certificate order may take.
  certificateTimeout: duration.optional(),
  dnsChallenge: strictObject({
    provider: str.default(''),
    delayBeforeCheck: duration.default(0),
    resolvers: strList.default([]),
    disablePropagationCheck: bool.default(false),
    // From later Traefik lines (v3.3+), beside the older keys above; accepted and kept so a
    // configuration written for them loads and each key can be used or warned about.
    propagation: strictObject({
      delayBeforeChecks: duration.default(0),
      disableChecks: bool.default(false),
      requireAllRNS: bool.default(false),
      disableANSChecks: bool.default(false),
    }).optional(),
  }).optional(),
  // pe-edge's own key, not Traefik's: a node-cron expression (5 fields, or 6 with seconds) that
  // replaces the renewal check schedule Traefik derives from certificatesDuration.
  renewSchedule: str.optional(),
  // pe-edge's own key: account and certificates in Redis, shared by replicas, instead of `storage` (acme.json).
  redisStorage: acmeRedisStorageSchema.optional(),
});

export const certificatesResolverSchema = strictObject({
  acme: acmeSchema.optional(),
  tailscale: looseObject.optional(),
}).superRefine((v, ctx) => {
  if (v.acme !== undefined && v.tailscale !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'a resolver is either acme or tailscale, not both' });
  }
});

export const certificatesResolversSchema = namedMap(certificatesResolverSchema);

export type AcmeConfig = z.output<typeof acmeSchema>;
export type CertificatesResolverConfig = z.output<typeof certificatesResolverSchema>;
