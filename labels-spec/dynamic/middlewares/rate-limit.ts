// rateLimit: token bucket of `burst` refilled at average/period per source.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, listOf, str } from '../../schema/scalars.js';
import { duration } from '../../duration.js';
import { sourceCriterion } from './source-criterion.js';

/** `host:port` (an IPv6 host in brackets), as go-redis dials it; checked here rather than on the first request. */
const endpoint = str.refine((v) => {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(v);
  const port = Number(match?.[2]);
  return port >= 1 && port <= 65535;
}, (v) => ({ message: `endpoint "${v}" is not host:port (e.g. redis:6379)` }));

/**
 * Traefik v3.4's shared bucket store (proxy/middlewares/traffic/redis-link.ts applies its defaults: localhost:6379,
 * 3s read/write, 5s dial). The pool sizes are accepted and warned about: pe-edge's client has no pool.
 */
const redis = strictObject({
  endpoints: listOf(endpoint).optional(),
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
