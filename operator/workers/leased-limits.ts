import { MAX_SOURCES, type BucketSettings, type InFlightSlots, type RateBuckets, type SharedLimits } from '../../proxy/middlewares/traffic/shared-limits.js';
import { TtlMap } from '../../proxy/middlewares/traffic/ttl-map.js';
import { LEASE_MS, type GiveSlots, type SettleLease, type TakeSlots, type TakeTokens, type TokensGranted } from './limit-ledger.js';

/** How a worker reaches the primary's LimitLedger (over IPC in `--workers`; directly in tests). */
export interface LedgerLink {
  take(request: TakeTokens): Promise<TokensGranted>;
  acquire(request: TakeSlots): Promise<number>;
  release(request: GiveSlots): void;
  settle(request: SettleLease): void;
}


/**
 * A worker's limits under `--workers`, counted by the primary for all workers (operator/workers/limit-ledger.ts).
 * Rate-limit tokens are leased in batches of a quarter of the worker's share of the burst, so a busy limiter asks
 * the primary about once per batch; a lease is spent within LEASE_MS and then settled, saying how many of its
 * tokens were used (the others stay in the primary's bucket). In-flight slots are taken one per request and given
 * back at its end: exact, at one IPC round trip per request. Requests wait for the primary's answer; if the
 * channel to it closes (the worker is exiting), they are refused.
 */
export class LeasedLimits implements SharedLimits {
  constructor(private readonly link: LedgerLink, private readonly workers: number) {}

  rateBuckets(identity: string, settings: BucketSettings): RateBuckets {
    return new LeasedBuckets(this.link, identity, settings, Math.floor(settings.burst / (4 * this.workers)));
  }

  inFlightSlots(identity: string, amount: number): InFlightSlots {
    return new CountedSlots(this.link, identity, amount);
  }
}

interface Lease {
  /** The primary's lease id; null when this worker holds none. */
  id: number | null;
  granted: number;
  spent: number;
  untilMs: number;
  /** Requests waiting for the primary's answer, in arrival order. */
  waiting: ((delayNs: number) => void)[];
  asking: boolean;
}

/** What a refusal says when the primary cannot be asked any more: retry in a second. */
const GONE_DELAY_NS = 1e9;

class LeasedBuckets implements RateBuckets {
  private readonly leases: TtlMap<Lease>;

  constructor(
    private readonly link: LedgerLink,
    private readonly identity: string,
    private readonly settings: BucketSettings,
    private readonly batch: number,
  ) {
    this.leases = new TtlMap<Lease>(MAX_SOURCES, settings.ttlSeconds);
  }

  reserve(key: string, decide: (delayNs: number) => void): void {
    const now = Date.now();
    const lease = this.leases.touch(key, () => ({ id: null, granted: 0, spent: 0, untilMs: 0, waiting: [], asking: false }), now);
    if (lease.waiting.length === 0 && lease.spent < lease.granted && now < lease.untilMs) {
      this.spendOne(key, lease);
      decide(0);
      return;
    }
    lease.waiting.push(decide);
    if (!lease.asking) this.ask(key, lease);
  }

  /** Spends a token of the lease; its last one settles the lease at once, so the primary's bucket refills from now. */
  private spendOne(key: string, lease: Lease): void {
    lease.spent++;
    if (lease.spent < lease.granted || lease.id === null) return;
    this.link.settle({ identity: this.identity, key, lease: lease.id, spent: lease.spent });
    lease.id = null;
    lease.granted = 0;
    lease.spent = 0;
  }

  private ask(key: string, lease: Lease): void {
    lease.asking = true;
    // The lease held so far is over: the primary learns how much of it was spent.
    const settle = lease.id === null ? null : { lease: lease.id, spent: lease.spent };
    lease.id = null;
    lease.granted = 0;
    lease.spent = 0;
    const want = Math.max(this.batch, lease.waiting.length);
    this.link.take({ identity: this.identity, key, want, settle, settings: this.settings }).then(
      (answer) => this.answered(key, lease, answer),
      () => this.answered(key, lease, { granted: 0, delayNs: Math.max(GONE_DELAY_NS, this.settings.maxDelayNs + 1), lease: null }),
    );
  }

  private answered(key: string, lease: Lease, answer: TokensGranted): void {
    lease.asking = false;
    const waiting = lease.waiting;
    if (answer.delayNs === 0 && answer.lease !== null) {
      lease.id = answer.lease;
      lease.granted = answer.granted;
      lease.untilMs = Date.now() + LEASE_MS;
      while (waiting.length > 0 && lease.spent < lease.granted) {
        this.spendOne(key, lease);
        waiting.shift()?.(0);
      }
    } else if (answer.granted > 0) {
      // One token reserved ahead: the first request waits for it.
      waiting.shift()?.(answer.delayNs);
    } else {
      // Refused: every request waiting now would be refused alike (a refusal costs no token).
      for (const decide of waiting.splice(0)) decide(answer.delayNs);
    }
    if (waiting.length > 0) this.ask(key, lease);
  }
}

interface Slots {
  waiting: ((taken: boolean) => void)[];
  asking: boolean;
}

class CountedSlots implements InFlightSlots {
  /** Keys with a question to the primary pending: requests arriving meanwhile wait for the next one. */
  private readonly keys = new Map<string, Slots>();

  constructor(
    private readonly link: LedgerLink,
    private readonly identity: string,
    private readonly amount: number,
  ) {}

  acquire(key: string, decide: (taken: boolean) => void): void {
    // oxy refuses at count >= amount: with amount 0 or less, everything, with no need to ask.
    if (this.amount <= 0) {
      decide(false);
      return;
    }
    let slots = this.keys.get(key);
    if (slots === undefined) {
      slots = { waiting: [], asking: false };
      this.keys.set(key, slots);
    }
    slots.waiting.push(decide);
    if (!slots.asking) this.ask(key, slots);
  }

  release(key: string): void {
    this.link.release({ identity: this.identity, key, count: 1 });
  }

  private ask(key: string, slots: Slots): void {
    slots.asking = true;
    const want = slots.waiting.length;
    this.link.acquire({ identity: this.identity, key, want, amount: this.amount }).then(
      (taken) => this.answered(key, slots, want, taken),
      () => this.answered(key, slots, want, 0),
    );
  }

  private answered(key: string, slots: Slots, asked: number, taken: number): void {
    slots.asking = false;
    const answered = slots.waiting.splice(0, asked);
    answered.forEach((decide, i) => decide(i < taken));
    if (slots.waiting.length > 0) this.ask(key, slots);
    else this.keys.delete(key);
  }
}
