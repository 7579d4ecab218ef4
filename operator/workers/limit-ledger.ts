import { MAX_SOURCES, InFlightCounts, monotonicSeconds, type BucketSettings } from '../../proxy/middlewares/traffic/shared-limits.js';
import { TokenBucket } from '../../proxy/middlewares/traffic/token-bucket.js';
import { TtlMap } from '../../proxy/middlewares/traffic/ttl-map.js';

/**
 * A worker asks for rate-limit tokens: `want` of them if that many are there now, else one reserved as
 * Traefik reserves it (held up to maxDelayNs, or refused). `giveBack`: tokens of an expired lease nobody spent.
 */
export interface TakeTokens {
  identity: string;
  key: string;
  want: number;
  giveBack: number;
  settings: BucketSettings;
}

/** Tokens granted now (delayNs 0); or one token after delayNs; or none (delayNs over maxDelayNs: refuse). */
export interface TokensGranted {
  granted: number;
  delayNs: number;
}

/** A worker asks for in-flight slots (`want`, up to `amount` in all), or gives `count` back. */
export interface TakeSlots {
  identity: string;
  key: string;
  want: number;
  amount: number;
}
export interface GiveSlots {
  identity: string;
  key: string;
  count: number;
}

/** A limiter unused this long (and longer than its buckets live) is dropped whole. */
const IDLE_LIMITER_MS = 60_000;

/**
 * The primary's count of every rateLimit and inFlightReq under `--workers`: one token bucket and one in-flight
 * count per (middleware instance, source) for all workers, so N workers admit what one process would.
 * Workers lease tokens in small batches (operator/workers/leased-limits.ts); slots are counted per worker,
 * so a worker that dies gives its slots back.
 */
export class LimitLedger {
  private readonly buckets = new Map<string, { map: TtlMap<TokenBucket>; usedMs: number; ttlMs: number }>();
  private readonly inFlight = new Map<string, InFlightCounts>();
  /** Slots each worker holds, by identity and key. */
  private readonly held = new Map<number, Map<string, { identity: string; key: string; count: number }>>();
  private sweptMs = 0;

  take(request: TakeTokens, nowMs = Date.now()): TokensGranted {
    const { identity, key, want, giveBack, settings } = request;
    this.sweep(nowMs);
    let limiter = this.buckets.get(identity);
    if (limiter === undefined) {
      limiter = { map: new TtlMap<TokenBucket>(MAX_SOURCES, settings.ttlSeconds), usedMs: nowMs, ttlMs: settings.ttlSeconds * 1000 };
      this.buckets.set(identity, limiter);
    }
    limiter.usedMs = nowMs;
    const bucket = limiter.map.touch(key, () => new TokenBucket(settings.rate, settings.burst), nowMs);
    const now = monotonicSeconds();
    if (giveBack > 0) bucket.giveBack(now, giveBack);
    const granted = bucket.take(now, want);
    if (granted > 0) return { granted, delayNs: 0 };
    const delayNs = bucket.reserve(now, settings.maxDelayNs);
    return { granted: delayNs > settings.maxDelayNs ? 0 : 1, delayNs };
  }

  acquire(worker: number, request: TakeSlots): number {
    const { identity, key, want, amount } = request;
    let counts = this.inFlight.get(identity);
    if (counts === undefined) {
      counts = new InFlightCounts();
      this.inFlight.set(identity, counts);
    }
    const taken = counts.take(key, want, amount);
    if (taken > 0) {
      const mine = this.heldBy(worker);
      const slot = `${identity}\u0000${key}`;
      const entry = mine.get(slot) ?? { identity, key, count: 0 };
      entry.count += taken;
      mine.set(slot, entry);
    }
    return taken;
  }

  /** Gives back at most what the worker holds (a worker that went on alone while the primary was away holds less). */
  release(worker: number, request: GiveSlots): void {
    const mine = this.heldBy(worker);
    const slot = `${request.identity}\u0000${request.key}`;
    const entry = mine.get(slot);
    if (entry === undefined) return;
    const count = Math.min(entry.count, request.count);
    entry.count -= count;
    if (entry.count <= 0) mine.delete(slot);
    this.giveSlots(entry.identity, entry.key, count);
  }

  /** A worker exited: the slots it held are free. */
  forgetWorker(worker: number): void {
    for (const entry of this.heldBy(worker).values()) this.giveSlots(entry.identity, entry.key, entry.count);
    this.held.delete(worker);
  }

  /** Slots in flight for (identity, key), for tests and the API. */
  inFlightCount(identity: string, key: string): number {
    return this.inFlight.get(identity)?.count(key) ?? 0;
  }

  private giveSlots(identity: string, key: string, count: number): void {
    const counts = this.inFlight.get(identity);
    if (counts === undefined) return;
    counts.give(key, count);
    if (counts.size === 0) this.inFlight.delete(identity);
  }

  private heldBy(worker: number): Map<string, { identity: string; key: string; count: number }> {
    let mine = this.held.get(worker);
    if (mine === undefined) {
      mine = new Map();
      this.held.set(worker, mine);
    }
    return mine;
  }

  /** Limiters of configurations gone (every bucket expired) are dropped, at most once a second. */
  private sweep(nowMs: number): void {
    if (nowMs - this.sweptMs < 1000) return;
    this.sweptMs = nowMs;
    for (const [identity, limiter] of this.buckets) if (nowMs - limiter.usedMs > Math.max(IDLE_LIMITER_MS, limiter.ttlMs)) this.buckets.delete(identity);
  }
}
