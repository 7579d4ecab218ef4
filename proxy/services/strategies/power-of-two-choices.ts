import { InFlightServers, type InFlightEntry } from './in-flight-servers.js';
import type { ExchangeMeter, ServerBalancer } from './server-balancer.js';

type P2cEntry<T> = InFlightEntry<T>;

/** A random integer in [0, n). */
export type RandomInt = (n: number) => number;

const NONE: readonly never[] = [];

const mathRandomInt: RandomInt = (n) => Math.floor(Math.random() * n);

/**
 * `strategy: p2c`, as Traefik's p2c.go: two distinct servers drawn at random among the healthy ones, the one with
 * fewer requests in flight wins, the first drawn on a tie. Weights play no part, not even 0 (Traefik's p2c adds
 * every server).
 */
export class PowerOfTwoChoices<T> extends InFlightServers<T, P2cEntry<T>> implements ServerBalancer<T>, ExchangeMeter<T> {
  /** The candidates of the pick being made: reused, so a pick allocates nothing. */
  private readonly healthy: P2cEntry<T>[] = [];
  readonly meter: ExchangeMeter<T> = this;

  constructor(values: readonly T[], private readonly randomInt: RandomInt = mathRandomInt) {
    super();
    for (const value of values) this.add({ value, up: true, inFlight: 0 });
  }

  next(): T | undefined {
    return this.nextExcept(NONE);
  }

  nextExcept(excluded: readonly T[]): T | undefined {
    const healthy = this.healthy;
    healthy.length = 0;
    for (const e of this.entries) if (e.up && !excluded.includes(e.value)) healthy.push(e);
    const n = healthy.length;
    if (n <= 1) return healthy[0]?.value;
    const n1 = this.randomInt(n);
    let n2 = this.randomInt(n);
    if (n2 === n1) n2 = (n2 + 1) % n;
    const h1 = healthy[n1] as P2cEntry<T>;
    const h2 = healthy[n2] as P2cEntry<T>;
    healthy.length = 0;
    return h2.inFlight < h1.inFlight ? h2.value : h1.value;
  }

  answered(): void {}
}
