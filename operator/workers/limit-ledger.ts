import { MAX_SOURCES, InFlightCounts, monotonicSeconds, type BucketSettings } from '../../proxy/middlewares/traffic/shared-limits.js';
import { TokenBucket } from '../../proxy/middlewares/traffic/token-bucket.js';
import { TtlMap } from '../../proxy/middlewares/traffic/ttl-map.js';

/**
 * A worker asks for rate-limit tokens: `want` of them if that many can be lent now, else one reserved as
 * Traefik reserves it (held up to maxDelayNs, or refused). `settle`: the lease this worker held for the key
 * before, and how many of its tokens were spent (the rest were not, and stay in the bucket).
 */
export interface TakeTokens {
  identity: string;
  key: string;
  want: number;
  settle: { lease: number; spent: number } | null;
  settings: BucketSettings;
}

/** A worker spent every token of a lease: settled at once, so the bucket refills from now on. */
export interface SettleLease {
  identity: string;
  key: string;
  lease: number;
  spent: number;
}

/** Tokens lent now under `lease` (delayNs 0); or one token after delayNs; or none (delayNs over maxDelayNs: refuse). */
export interface TokensGranted {
  granted: number;
  delayNs: number;
  lease: number | null;
}

/** A worker spends a lease's tokens for this long; the primary counts a lease not settled after twice this as all spent. */
export const LEASE_MS = 250;

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
 * Workers lease tokens in small batches (operator/workers/leased-limits.ts): lent tokens stay in the bucket until
 * the worker says it spent them, so the bucket never refills past what one process's would. Slots are counted per
 * worker, so a worker that exits gives its slots back.
 */
/** One source's bucket and the tokens lent out of it, one lease per worker. */
interface SharedBucket {
  bucket: TokenBucket;
  lent: number;
  leases: Map<number, { id: number; granted: number; atMs: number }>;
}

export class LimitLedger {
  private readonly buckets = new Map<string, { map: TtlMap<SharedBucket>; usedMs: number; ttlMs: number }>();
  private nextLease = 1;
  private readonly inFlight = new Map<string, InFlightCounts>();
  /** Slots each worker holds, by identity and key. */
  private readonly held = new Map<number, Map<string, { identity: string; key: string; count: number }>>();
  private sweptMs = 0;

  take(worker: number, request: TakeTokens, nowMs = Date.now()): TokensGranted {
    const { identity, key, want, settle, settings } = request;
    this.sweep(nowMs);
    let limiter = this.buckets.get(identity);
    if (limiter === undefined) {
      limiter = { map: new TtlMap<SharedBucket>(MAX_SOURCES, settings.ttlSeconds), usedMs: nowMs, ttlMs: settings.ttlSeconds * 1000 };
      this.buckets.set(identity, limiter);
    }
    limiter.usedMs = nowMs;
    const shared = limiter.map.touch(key, () => ({ bucket: new TokenBucket(settings.rate, settings.burst), lent: 0, leases: new Map() }), nowMs);
    for (const [holder, lease] of shared.leases) {
      // The worker's own lease, settled; any lease unsettled for too long is counted as all spent (never over the limit).
      if (holder === worker && settle !== null && settle.lease === lease.id) this.endLease(shared, holder, settle.spent);
      else if (nowMs - lease.atMs > 2 * LEASE_MS) this.endLease(shared, holder, lease.granted);
    }
    // A lease the worker did not settle (it should not happen): all spent, as above.
    const unsettled = shared.leases.get(worker);
    if (unsettled !== undefined) this.endLease(shared, worker, unsettled.granted);
    const now = monotonicSeconds();
    const granted = shared.bucket.lendable(now, want, shared.lent);
    if (granted > 0) {
      const id = this.nextLease++;
      shared.leases.set(worker, { id, granted, atMs: nowMs });
      shared.lent += granted;
      return { granted, delayNs: 0, lease: id };
    }
    const delayNs = shared.bucket.reserve(now, settings.maxDelayNs, shared.lent);
    return { granted: delayNs > settings.maxDelayNs ? 0 : 1, delayNs, lease: null };
  }

  settle(worker: number, request: SettleLease): void {
    const shared = this.buckets.get(request.identity)?.map.peek(request.key);
    if (shared !== undefined && shared.leases.get(worker)?.id === request.lease) this.endLease(shared, worker, request.spent);
  }

  private endLease(shared: SharedBucket, worker: number, spent: number): void {
    const lease = shared.leases.get(worker);
    if (lease === undefined) return;
    shared.leases.delete(worker);
    shared.lent -= lease.granted;
    shared.bucket.spend(monotonicSeconds(), Math.min(lease.granted, spent));
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
