import type { Predicate } from '../rules/matchers.js';

/** One compiled route as the dispatcher sees it; `rank` is its position in priority order. */
export interface Candidate<T> {
  readonly rank: number;
  readonly match: Predicate;
  readonly value: T;
}

export interface HostIndex<T> {
  /** Routes that may match any host, in priority order. */
  readonly hostless: readonly Candidate<T>[];
  /**
   * Per exact host: either that host's routes already merged with `hostless` (merged = true),
   * or only its own routes, merged with `hostless` during lookup (when pre-merging would cost too much memory).
   */
  readonly byHost: ReadonlyMap<string, readonly Candidate<T>[]>;
  readonly merged: boolean;
}

/**
 * Splits priority-sorted candidates by host. `hosts[i]` is candidate i's exact host set, or null
 * for "any host". Pre-merged lists cost hosts x hostless entries, so past `maxMergedEntries` the
 * merge moves to lookup time (still allocation-free). Yields after every `perStep` candidates or hosts
 * (a configuration build hands the event loop back; `Infinity` builds in one go).
 */
export function* buildHostIndexSteps<T>(
  candidates: readonly Candidate<T>[],
  hosts: readonly (readonly string[] | null)[],
  maxMergedEntries: number,
  perStep: number,
): Generator<void, HostIndex<T>, void> {
  const hostless: Candidate<T>[] = [];
  const own = new Map<string, Candidate<T>[]>();
  let sinceYield = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (++sinceYield >= perStep) {
      sinceYield = 0;
      yield;
    }
    const c = candidates[i] as Candidate<T>;
    const hs = hosts[i] ?? null;
    if (hs === null) {
      hostless.push(c);
      continue;
    }
    // An empty host set (`Host(a) && Host(b)`) can never match: it is simply not indexed.
    for (const h of hs) {
      let list = own.get(h);
      if (list === undefined) own.set(h, (list = []));
      list.push(c);
    }
  }

  let total = 0;
  for (const list of own.values()) total += list.length + hostless.length;
  if (total > maxMergedEntries) return { hostless, byHost: own, merged: false };

  const byHost = new Map<string, readonly Candidate<T>[]>();
  for (const [host, list] of own) {
    sinceYield += list.length + hostless.length;
    if (sinceYield >= perStep) {
      sinceYield = 0;
      yield;
    }
    byHost.set(host, mergeByRank(list, hostless));
  }
  return { hostless, byHost, merged: true };
}

function mergeByRank<T>(a: readonly Candidate<T>[], b: readonly Candidate<T>[]): Candidate<T>[] {
  const out: Candidate<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.rank < y.rank)) {
      out.push(x as Candidate<T>);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}
