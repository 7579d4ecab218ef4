import { performance } from 'node:perf_hooks';
import { TokenBucket } from './token-bucket.js';
import { TtlMap } from './ttl-map.js';

/** One rateLimit instance's buckets, computed as Traefik computes them (see limiterSettings). */
export interface BucketSettings {
  /** Tokens per second. */
  rate: number;
  burst: number;
  /** The longest a request may be held for its token; a longer wait is a 429. */
  maxDelayNs: number;
  /** An idle source's bucket is forgotten after this long. */
  ttlSeconds: number;
}

/** The token buckets of one rateLimit instance, one per source key. */
export interface RateBuckets {
  /**
   * Reserves a token for `key` and calls `decide` once with the wait in nanoseconds: 0 forwards now, up to
   * maxDelayNs forwards after that wait (the token is spent), more refuses (the token is given back); null when
   * the store holding the buckets (Redis) could not be asked, which Traefik answers 500.
   * `decide` runs before `reserve` returns when this process can decide alone.
   */
  reserve(key: string, decide: (delayNs: number | null) => void): void;
}

/** The in-flight counters of one inFlightReq instance, one per source key. */
export interface InFlightSlots {
  /** Takes a slot for `key` and calls `decide(true)`, or `decide(false)` when `amount` are in flight. */
  acquire(key: string, decide: (taken: boolean) => void): void;
  /** Gives back a slot `acquire` took. */
  release(key: string): void;
}

/**
 * Where rate-limit tokens and in-flight requests are counted: in this process (`localLimits`), or across
 * every worker of `--workers` (operator/workers/leased-limits.ts), so N workers still admit one limit.
 * `identity` names router, middleware and options, the same in every worker for the same configuration.
 */
export interface SharedLimits {
  rateBuckets(identity: string, settings: BucketSettings): RateBuckets;
  inFlightSlots(identity: string, amount: number): InFlightSlots;
}

/** Sources a limiter remembers at most, as Traefik's ttlmap. */
export const MAX_SOURCES = 65536;

/** Seconds on a monotonic clock, as the buckets count time. */
export const monotonicSeconds = (): number => performance.now() / 1000;

/** Limits counted by this process alone: every decision is immediate. */
export const localLimits: SharedLimits = {
  rateBuckets(_identity, settings) {
    const buckets = new TtlMap<TokenBucket>(MAX_SOURCES, settings.ttlSeconds);
    const create = (): TokenBucket => new TokenBucket(settings.rate, settings.burst);
    return {
      reserve(key, decide) {
        decide(buckets.touch(key, create, Date.now()).reserve(monotonicSeconds(), settings.maxDelayNs));
      },
    };
  },
  inFlightSlots(_identity, amount) {
    const counts = new InFlightCounts();
    return {
      acquire: (key, decide) => decide(counts.take(key, 1, amount) === 1),
      release: (key) => counts.give(key, 1),
    };
  },
};

/** Requests in flight per source key; idle keys are forgotten, or the map grows forever. */
export class InFlightCounts {
  private readonly counts = new Map<string, number>();

  /** Keys with a request in flight. */
  get size(): number {
    return this.counts.size;
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Takes up to `want` slots of `amount` for key and returns how many it took (oxy refuses at >= amount). */
  take(key: string, want: number, amount: number): number {
    const current = this.counts.get(key) ?? 0;
    const taken = Math.max(0, Math.min(want, amount - current));
    if (taken > 0) this.counts.set(key, current + taken);
    return taken;
  }

  give(key: string, count: number): void {
    const left = (this.counts.get(key) ?? count) - count;
    if (left <= 0) this.counts.delete(key);
    else this.counts.set(key, left);
  }
}
