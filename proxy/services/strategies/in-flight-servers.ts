import { MarkedServers } from './server-balancer.js';
import type { WrrPosition } from './weighted-round-robin.js';

/** A server as the measuring strategies keep it: its health mark and the requests in flight to it. */
export interface InFlightEntry<T> {
  readonly value: T;
  up: boolean;
  inFlight: number;
}

/**
 * What `p2c` and `leasttime` share: their servers by value, health marks, and the in-flight count their exchange
 * hooks keep (each started exchange ends exactly once). Neither keeps a rotation across reloads.
 */
export abstract class InFlightServers<T, E extends InFlightEntry<T>> extends MarkedServers<T, E> {
  protected readonly byValue = new Map<T, E>();

  protected add(entry: E): void {
    this.entries.push(entry);
    this.byValue.set(entry.value, entry);
  }

  /** Requests in flight to `value` (for tests and the API). */
  inFlight(value: T): number {
    return this.byValue.get(value)?.inFlight ?? 0;
  }

  started(value: T): void {
    const e = this.byValue.get(value);
    if (e !== undefined) e.inFlight++;
  }

  ended(value: T): void {
    const e = this.byValue.get(value);
    if (e !== undefined && e.inFlight > 0) e.inFlight--;
  }

  position(): WrrPosition | undefined {
    return undefined;
  }
}
