import type { BucketSettings, RateBuckets } from './shared-limits.js';
import type { RedisLink } from './redis-link.js';

/** Traefik's key prefix: a bucket is the hash `rate:<middleware>:<source>`. */
export const REDIS_KEY_PREFIX = 'rate:';

/**
 * The Redis key of `source`'s bucket in `middleware`: Traefik's. A long source arrives as its digest
 * (source-criterion.ts's `countedKey`), so a request costs Redis the same whatever its headers.
 */
export function redisBucketKey(middleware: string, source: string): string {
  return `${REDIS_KEY_PREFIX}${middleware}:${source}`;
}

/**
 * The buckets of one rateLimit kept in Redis with Traefik's script, so every pe-edge (and Traefik) sharing
 * that Redis counts one bucket per source. Keyed by the middleware's name, as Traefik keys them: routers that
 * use the same middleware share its buckets. When Redis does not answer in time the request is refused, as
 * Traefik refuses it (a limit that lapses with its store is a bypass anyone can provoke); the link reports the
 * outage once and counts each call.
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
          decide(null);
        },
      );
    },
  };
}
