// rateLimit: token bucket of `burst` refilled at average/period per source.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, str, strList } from '../../schema/scalars.js';
import { duration } from '../../duration.js';
import { sourceCriterion } from './source-criterion.js';

/** Traefik v3.4's shared bucket store: accepted so a v3.4 file or label loads, warned as not implemented when set. */
const redis = strictObject({
  endpoints: strList.optional(),
  username: str.optional(),
  password: str.optional(),
  db: int.optional(),
  tls: strictObject({
    ca: str.optional(),
    cert: str.optional(),
    key: str.optional(),
    insecureSkipVerify: bool.optional(),
    // Deprecated in Traefik's ClientTLS, still parsed.
    caOptional: bool.optional(),
  }).optional(),
  poolSize: int.optional(),
  minIdleConns: int.optional(),
  maxActiveConns: int.optional(),
  readTimeout: duration.optional(),
  writeTimeout: duration.optional(),
  dialTimeout: duration.optional(),
});

export const rateLimit = strictObject({
  // 0 means no limiting.
  average: int.pipe(z.number().min(0, 'average must be >= 0')).default(0),
  // Negative is an error; 0 means 1s.
  period: duration
    .default('1s')
    .refine((ms) => ms >= 0, 'period must not be negative')
    .transform((ms) => (ms === 0 ? 1000 : ms)),
  // < 1 means 1.
  burst: int.default(1).transform((n) => (n < 1 ? 1 : n)),
  // Absent: the client IP (RemoteAddr), as `ipStrategy: {}`.
  sourceCriterion: sourceCriterion.optional(),
  redis: redis.optional(),
});

export type RateLimitOptions = z.output<typeof rateLimit>;
