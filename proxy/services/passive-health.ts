import type { Upstream } from '../forward/forwarder.js';
import { timerMs } from '../timer-bounds.js';

export interface PassiveHealthOptions {
  /** ms: how far back failures count, and how long a server stays out. */
  failureWindow: number;
  maxFailedAttempts: number;
}

/** What a passive check acts on: the balancer's health marks, and who hears of a transition. */
export interface PassiveHealthTarget {
  setUp(upstream: Upstream, up: boolean): void;
  isUp(upstream: Upstream): boolean;
  transition(serverUrl: string, up: boolean, reason: string): void;
}

/**
 * `loadBalancer.passiveHealthCheck` (Traefik v3.6, healthcheck.go's PassiveServiceHealthChecker): an exchange fails
 * when the server answered nothing (refused, reset, timed out) or answered 5xx; any other answer forgets the
 * server's failures. `maxFailedAttempts` failures within `failureWindow` take the server out for `failureWindow`,
 * then it is back, unless an active healthCheck is configured: then only the active check brings it back.
 */
export class PassiveHealth {
  private readonly failures = new Map<Upstream, number[]>();
  private readonly timers = new Map<Upstream, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly options: PassiveHealthOptions,
    private readonly target: PassiveHealthTarget,
    private readonly hasActiveCheck: boolean,
    private readonly clock: () => number = Date.now,
  ) {}

  ended(upstream: Upstream, failed: boolean): void {
    if (!failed) {
      if (this.failures.has(upstream)) this.failures.delete(upstream);
      return;
    }
    const now = this.clock();
    let times = this.failures.get(upstream);
    if (times === undefined) {
      times = [];
      this.failures.set(upstream, times);
    }
    times.push(now);
    const windowStart = now - this.options.failureWindow;
    let first = 0;
    while (first < times.length && (times[first] as number) <= windowStart) first++;
    if (first > 0) times.splice(0, first);
    // Already out (its window runs, or an active check found it down): nothing to take out.
    if (times.length < this.options.maxFailedAttempts || !this.target.isUp(upstream) || this.stopped) return;
    this.target.setUp(upstream, false);
    this.target.transition(upstream.url, false, `${times.length} failed attempt(s) within ${this.options.failureWindow} ms (passive health check)`);
    if (this.hasActiveCheck) return;
    const timer = setTimeout(() => {
      this.timers.delete(upstream);
      if (this.stopped) return;
      this.target.setUp(upstream, true);
      this.target.transition(upstream.url, true, 'passive health check window elapsed');
    }, timerMs(this.options.failureWindow));
    timer.unref();
    this.timers.set(upstream, timer);
  }

  /** Servers taken out and not back yet, by URL. */
  down(): string[] {
    return [...this.timers.keys()].map((u) => u.url);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
