import type { WrrPosition } from './weighted-round-robin.js';

/**
 * What a loadBalancer's strategy (`wrr`, `p2c`, `hrw`, `leasttime`) offers the service around it: a pick for a
 * request, a pick that avoids the servers a request already failed on (failover), and health marks.
 * `clientIp` is the peer address (never X-Forwarded-For), which only `hrw` reads.
 */
export interface ServerBalancer<T> {
  next(clientIp: string): T | undefined;
  /** Never a server in `excluded` while another is up; undefined when none is left. */
  nextExcept(excluded: readonly T[], clientIp: string): T | undefined;
  setUp(value: T, up: boolean): void;
  isUp(value: T): boolean;
  /** Whether any server can be picked: the status a parent with `healthCheck: {}` follows. */
  anyUp(): boolean;
  /** Where a rotation stands, for the balancer that replaces this one; undefined when the strategy keeps none. */
  position(key: (value: T) => string): WrrPosition | undefined;
  /** Exchange hooks of strategies that measure servers (in flight, time to first byte); null when none. */
  readonly meter: ExchangeMeter<T> | null;
}

/** Per-exchange bookkeeping a strategy needs; each started exchange ends exactly once. */
export interface ExchangeMeter<T> {
  started(value: T): void;
  /** The answer head arrived `ms` after the exchange started. */
  answered(value: T, ms: number): void;
  ended(value: T): void;
}

/** A server as every strategy keeps it: its value and its health mark. */
export interface MarkedEntry<T> {
  readonly value: T;
  up: boolean;
}

/**
 * The health marks every strategy keeps the same way: health checks and Docker events mark a server up or down
 * (every entry holding it: a server may be listed twice), and a parent following `healthCheck: {}` asks whether
 * any is up.
 */
export abstract class MarkedServers<T, E extends MarkedEntry<T>> {
  protected readonly entries: E[] = [];

  setUp(value: T, up: boolean): void {
    for (const e of this.entries) if (e.value === value) e.up = up;
  }

  /** Whether an entry holding `value` can be picked (health, weight > 0). */
  isUp(value: T): boolean {
    for (const e of this.entries) if (e.value === value) return e.up;
    return false;
  }

  anyUp(): boolean {
    for (const e of this.entries) if (e.up) return true;
    return false;
  }
}
