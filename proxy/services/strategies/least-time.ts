import { InFlightServers, type InFlightEntry } from './in-flight-servers.js';
import type { ExchangeMeter, ServerBalancer } from './server-balancer.js';

/** Response times kept per server, as Traefik's sampleSize. */
const SAMPLES = 100;

interface LeastTimeEntry<T> extends InFlightEntry<T> {
  readonly weight: number;
  /** EDF deadline, for ties only. */
  deadline: number;
  /** Ring of the last times to first byte, whole milliseconds. */
  readonly times: Float64Array;
  next: number;
  count: number;
  sum: number;
}

/**
 * `strategy: leasttime`, as Traefik 3.6's leasttime.go: each healthy server scores
 * `mean time to first byte (ms, last 100 answers) × (1 + requests in flight) / weight`, the lowest wins, and ties
 * (every server before its first answer, or servers as fast as each other) go round robin by earliest deadline.
 * Times are whole milliseconds, as Go's Duration.Milliseconds truncates them. Servers with weight <= 0 are left out.
 */
export class LeastTime<T> extends InFlightServers<T, LeastTimeEntry<T>> implements ServerBalancer<T>, ExchangeMeter<T> {
  /** Traefik's curDeadline: where a server added later starts. */
  private now = 0;
  private readonly candidates: LeastTimeEntry<T>[] = [];
  readonly meter: ExchangeMeter<T> = this;

  constructor(items: readonly { value: T; weight: number }[]) {
    super();
    for (const { value, weight } of items) {
      if (!(weight > 0)) continue;
      this.now += 1 / weight;
      const e: LeastTimeEntry<T> = { value, weight, up: true, inFlight: 0, deadline: this.now, times: new Float64Array(SAMPLES), next: 0, count: 0, sum: 0 };
      this.add(e);
    }
  }

  next(): T | undefined {
    return this.nextExcept(NONE);
  }

  nextExcept(excluded: readonly T[]): T | undefined {
    const candidates = this.candidates;
    candidates.length = 0;
    let healthy = 0;
    let only: LeastTimeEntry<T> | undefined;
    let min = Infinity;
    for (const e of this.entries) {
      if (!e.up || excluded.includes(e.value)) continue;
      healthy++;
      only = e;
      const score = (e.count === 0 ? 0 : e.sum / e.count) * (1 + e.inFlight) / e.weight;
      if (score < min) {
        min = score;
        candidates.length = 0;
        candidates.push(e);
      } else if (score === min) {
        candidates.push(e);
      }
    }
    if (healthy <= 1) return only?.value;
    let selected = candidates[0] as LeastTimeEntry<T>;
    if (candidates.length > 1) {
      for (const e of candidates) if (e.deadline < selected.deadline) selected = e;
      selected.deadline += 1 / selected.weight;
      if (selected.deadline > this.now) this.now = selected.deadline;
    }
    candidates.length = 0;
    return selected.value;
  }

  /** Mean time to first byte of `value` in ms, 0 before its first answer. */
  meanMs(value: T): number {
    const e = this.byValue.get(value);
    return e === undefined || e.count === 0 ? 0 : e.sum / e.count;
  }

  answered(value: T, ms: number): void {
    const e = this.byValue.get(value);
    if (e === undefined) return;
    const whole = Math.trunc(ms);
    if (e.count < SAMPLES) e.count++;
    else e.sum -= e.times[e.next] as number;
    e.times[e.next] = whole;
    e.sum += whole;
    e.next = (e.next + 1) % SAMPLES;
  }
}

const NONE: readonly never[] = [];
