import { sha256Hex } from '../../../labels-spec/sha256.js';
import type { BucketSettings, RateBuckets } from './shared-limits.js';
import type { RedisLink } from './redis-link.js';

/** Traefik's key prefix: a bucket is the hash `rate:<middleware>:<source>`. */
export const REDIS_KEY_PREFIX = 'rate:';

/**
 * Sources longer than this are stored under their SHA-256. A source from a request header (or X-Forwarded-For) is as
 * long as the client makes it (up to http.maxHeaderBytes, 1 MiB), and each distinct one is a key Redis keeps for the
 * bucket's ttl (up to a day for slow limits): stored as sent, a client could fill Redis, evicting other sources' spent
 * buckets or bringing Redis down, which fails every limit open. IPs and host names stay as Traefik stores them.
 */
export const MAX_PLAIN_SOURCE = 256;

/** The Redis key of `source`'s bucket in `middleware`: Traefik's, or for a long source, its digest. */
export function redisBucketKey(middleware: string, source: string): string {
  if (source.length <= MAX_PLAIN_SOURCE) return `${REDIS_KEY_PREFIX}${middleware}:${source}`;
  // UTF-8 encodes every string, so distinct sources stay distinct.
  return `${REDIS_KEY_PREFIX}${middleware}:sha256:${sha256Hex(source)}`;
}

/**
 * The buckets of one rateLimit kept in Redis with Traefik's script, so every pe-edge (and Traefik) sharing
 * that Redis counts one bucket per source. Keyed by the middleware's name, as Traefik keys them: routers that
 * use the same middleware share its buckets. When Redis does not answer in time the request passes (fail
 * open: an edge must not go down with its cache); the link reports the outage once and counts each call.
 */
export function redisBuckets(link: RedisLink, middleware: string, settings: BucketSettings): RateBuckets {
  return {
    reserve(key, decide) {
      const call = {
        ratePerMicrosecond: settings.rate / 1e6,
        burst: settings.burst,
        ttlSeconds: settings.ttlSeconds,
        // Traefik sends the caller's time; the script uses Redis's (replicas' clocks differ), this is only its shape.
        nowMicroseconds: Date.now() * 1000,
        maxDelayMicroseconds: Math.trunc(settings.maxDelayNs / 1000),
      };
      link.tokenBucket(redisBucketKey(middleware, key), call).then(
        (waitMicroseconds) => {
          link.succeeded(middleware);
          // Go: time.Duration(delay * float64(time.Microsecond)) truncates.
          decide(Math.trunc(waitMicroseconds * 1000));
        },
        (err: unknown) => {
          link.failed(middleware, err instanceof Error ? err : new Error(String(err)));
          decide(0);
        },
      );
    },
  };
}
