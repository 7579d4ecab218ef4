/**
 * golang.org/x/time/rate's Limiter as Traefik's rateLimit uses it: `burst` tokens, full at creation,
 * refilled at `rate` tokens per second. Time is in seconds from any monotonic origin.
 */
export class TokenBucket {
  private tokens = 0;
  // Go's zero time: the first reservation sees an eternity elapsed, so the bucket starts full.
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  /**
   * Reserve() then, when the wait exceeds maxDelayNs, Cancel(): returns the wait in whole nanoseconds and
   * keeps the token taken only when that wait is acceptable. A cancelled reservation gives its token back,
   * so a refused request costs nothing (JavaScript runs the pair with nothing in between, as Go's would be
   * without a concurrent reservation).
   */
  reserve(now: number, maxDelayNs: number, lent = 0): number {
    const available = this.refill(now);
    const left = available - lent - 1;
    // time.Duration(float) truncates toward zero.
    const delayNs = left < 0 ? Math.trunc((-left / this.rate) * 1e9) : 0;
    this.tokens = delayNs > maxDelayNs ? available : available - 1;
    return delayNs;
  }

  /**
   * `--workers` (operator/workers/limit-ledger.ts): how many of up to `want` whole tokens can be lent now, none
   * in advance, when `lent` tokens are already out. Lent tokens stay in the bucket until `spend` (so the bucket
   * refills no higher than a single process's would while a worker holds them); nothing is taken here.
   */
  lendable(now: number, want: number, lent: number): number {
    this.tokens = this.refill(now);
    return Math.max(0, Math.min(want, Math.floor(this.tokens - lent)));
  }

  /**
   * Tokens a worker spent from a lease leave the bucket now. The clock moves to `now` first: until now they were
   * counted in the bucket, which kept it from refilling past the burst with them (as one process's would).
   */
  spend(now: number, count: number): void {
    this.tokens = this.refill(now) - count;
  }

  /** Tokens at `now`, the clock moved there. */
  private refill(now: number): number {
    // Go: a clock that went backwards counts as no time elapsed.
    const elapsed = now > this.last ? now - this.last : 0;
    this.last = now;
    return Math.min(this.burst, this.tokens + elapsed * this.rate);
  }
}
