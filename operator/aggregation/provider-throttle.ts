import { isDeepStrictEqual } from 'node:util';
import type { DynamicConfig } from '../../labels-spec/index.js';

/**
 * pe-edge's default `providersThrottleDuration`: none. Traefik's 2 s holds back every change that follows
 * another within the window, a stopping replica's `kill` included, so it would keep a replica that already
 * got SIGTERM in the pool (the very 502s pe-edge leaves the pool on `kill` to avoid), and it is why Traefik's
 * event-to-route is seconds. Bursts are still coalesced without it: events that change nothing are dropped
 * here, and a configuration arriving while a build runs supersedes that build (`EdgeProxy.update`).
 * An explicit `providersThrottleDuration` is honoured as in Traefik.
 */
export const DEFAULT_THROTTLE_MS = 0;

/** Traefik compares a provider's configurations with reflect.DeepEqual: key order never matters, array order does. */
export function sameConfiguration(a: DynamicConfig, b: DynamicConfig): boolean {
  return isDeepStrictEqual(a, b);
}

export interface ThrottleOptions<T> {
  throttleMs: number;
  /** The configuration a message carries, compared with the last one. */
  configOf: (message: T) => DynamicConfig;
  /** A changed configuration, to rebuild with. */
  deliver: (message: T) => void;
  /** A message whose configuration equals the last one: nothing to rebuild. */
  unchanged: (message: T) => void;
  signal: AbortSignal;
}

/**
 * One provider's messages on their way to a rebuild, as Traefik's aggregator treats them
 * (`throttleProviderConfigReload`): a configuration equal to the provider's previous one is dropped; a change
 * is delivered at once, then the provider is quiet for `throttleMs`, and the latest change that arrived meanwhile
 * (a ring of one: last wins) is delivered at the window's end, opening the next window.
 */
export class ProviderThrottle<T> {
  /** The configuration last delivered, or waiting to be: what the next message is compared with. */
  private latest: DynamicConfig | undefined;
  private delivered: DynamicConfig | undefined;
  private pending: T | undefined;
  private window: NodeJS.Timeout | undefined;

  constructor(private readonly options: ThrottleOptions<T>) {
    options.signal.addEventListener('abort', () => clearTimeout(this.window), { once: true });
  }

  offer(message: T): void {
    const config = this.options.configOf(message);
    if (this.latest !== undefined && sameConfiguration(this.latest, config)) {
      this.options.unchanged(message);
      return;
    }
    this.latest = config;
    if (this.window !== undefined) {
      this.pending = message;
      return;
    }
    this.send(message);
  }

  private send(message: T): void {
    this.delivered = this.options.configOf(message);
    this.options.deliver(message);
    if (this.options.throttleMs <= 0 || this.options.signal.aborted) return;
    this.window = setTimeout(() => this.windowEnded(), this.options.throttleMs);
  }

  private windowEnded(): void {
    this.window = undefined;
    const next = this.pending;
    this.pending = undefined;
    if (next === undefined) return;
    // Changed and changed back within the window: what is in place is already the latest.
    if (this.delivered !== undefined && sameConfiguration(this.delivered, this.options.configOf(next))) {
      this.options.unchanged(next);
      return;
    }
    this.send(next);
  }
}
