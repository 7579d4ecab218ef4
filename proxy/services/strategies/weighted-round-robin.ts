import { MarkedServers, type ServerBalancer } from './server-balancer.js';

/**
 * Smooth weighted round robin by earliest deadline first, as Traefik's wrr.go:
 * each pick takes the entry with the smallest deadline and pushes it 1/weight further.
 * Equal weights give strict rotation in insertion order; weights <= 0 are never picked.
 * Down entries keep advancing while skipped, so they rejoin without a burst.
 */
export interface WrrEntry<T> {
  readonly value: T;
  readonly weight: number;
  deadline: number;
  up: boolean;
}

/** Where a rotation stood, by server key: a balancer built for changed servers continues from it. */
export interface WrrPosition {
  /** Traefik's curDeadline: the virtual time of the last pick. */
  readonly now: number;
  readonly deadlines: ReadonlyMap<string, number>;
}

export class WeightedRoundRobin<T> extends MarkedServers<T, WrrEntry<T>> implements ServerBalancer<T> {
  private now = 0;
  readonly meter = null;

  /**
   * `from`: the position of the balancer this one replaces (servers added or removed). Servers it had keep their
   * deadline and new ones join at its current time, as Traefik's Add does, so the rotation goes on fairly instead
   * of starting again at the first server on every change. `key` names a value across balancers.
   */
  constructor(items: readonly { value: T; weight: number }[], from?: { position: WrrPosition; key: (value: T) => string }) {
    super();
    this.now = from?.position.now ?? 0;
    for (const { value, weight } of items) {
      if (!(weight > 0)) continue;
      const kept = from?.position.deadlines.get(from.key(value));
      this.entries.push({ value, weight, deadline: kept ?? this.now + 1 / weight, up: true });
    }
  }

  /** Where the rotation stands, for a balancer built to replace this one. */
  position(key: (value: T) => string): WrrPosition {
    return { now: this.now, deadlines: new Map(this.entries.map((e) => [key(e.value), e.deadline])) };
  }

  /** The next healthy entry, or undefined when none is available (503 no available server). */
  next(): T | undefined {
    const entries = this.entries;
    const n = entries.length;
    if (n === 0 || !this.anyUp()) return undefined;
    // A linear scan beats a heap for the handful of servers a service has; ties go to the earliest entry.
    for (;;) {
      let best = entries[0] as WrrEntry<T>;
      for (let i = 1; i < n; i++) {
        const e = entries[i] as WrrEntry<T>;
        if (e.deadline < best.deadline) best = e;
      }
      this.now = best.deadline;
      best.deadline += 1 / best.weight;
      if (best.up) return best.value;
    }
  }

  /**
   * The next healthy entry that is not in `excluded` (servers a request already failed on), advancing only the one
   * picked, or undefined when none is left: a retry never goes back to a server it tried while another is up.
   */
  nextExcept(excluded: readonly T[]): T | undefined {
    let best: WrrEntry<T> | undefined;
    for (const e of this.entries) {
      if (!e.up || excluded.includes(e.value)) continue;
      if (best === undefined || e.deadline < best.deadline) best = e;
    }
    if (best === undefined) return undefined;
    if (best.deadline > this.now) this.now = best.deadline;
    best.deadline += 1 / best.weight;
    return best.value;
  }
}
