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
    // Go: a clock that went backwards counts as no time elapsed.
    const elapsed = now > this.last ? now - this.last : 0;
    const available = Math.min(this.burst, this.tokens + elapsed * this.rate);
    const left = available - 1;
    // time.Duration(float) truncates toward zero.
    const delayNs = left < 0 ? Math.trunc((-left / this.rate) * 1e9) : 0;
    this.last = now;
    this.tokens = delayNs > maxDelayNs ? available : left;
    return delayNs;
  }
}
