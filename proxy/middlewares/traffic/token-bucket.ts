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
  reserve(now: number, maxDelayNs: number): number {
    const available = this.refill(now);
    const left = available - 1;
    // time.Duration(float) truncates toward zero.
    const delayNs = left < 0 ? Math.trunc((-left / this.rate) * 1e9) : 0;
    this.tokens = delayNs > maxDelayNs ? available : left;
    return delayNs;
  }

  /**
   * Takes up to `want` whole tokens available now, none in advance, and returns how many: what one worker
   * may spend on its own under `--workers` (operator/workers/limit-ledger.ts).
   */
  take(now: number, want: number): number {
    const available = this.refill(now);
    const granted = Math.max(0, Math.min(want, Math.floor(available)));
    this.tokens = available - granted;
    return granted;
  }

  /** Takes back tokens `take` handed out and nobody spent, up to the burst. */
  giveBack(now: number, count: number): void {
    this.tokens = Math.min(this.burst, this.refill(now) + count);
  }

  /** Tokens at `now`, the clock moved there. */
  private refill(now: number): number {
    // Go: a clock that went backwards counts as no time elapsed.
    const elapsed = now > this.last ? now - this.last : 0;
    this.last = now;
    return Math.min(this.burst, this.tokens + elapsed * this.rate);
  }
}
