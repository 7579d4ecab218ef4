import type { RequestContext } from '../http/request-context.js';
import type { CompiledRule } from '../rules/compile.js';
import { compareRoutes } from '../rules/priority.js';
import { buildHostIndexSteps, type Candidate, type HostIndex } from './host-index.js';

export interface RouteDefinition<T> {
  readonly name: string;
  /** Effective priority (see rules/priority.ts: rule length when unset). */
  readonly priority: number;
  /** The router's provider's place in `providers.precedence` (rules/priority.ts); breaks ties of priority. */
  readonly providerRank?: number;
  readonly rule: CompiledRule;
  readonly value: T;
}

export interface RouterTable<T> {
  /** The highest-priority route whose rule matches, exactly as a priority-sorted linear scan would find it. */
  find(ctx: RequestContext): T | undefined;
  readonly size: number;
}

export interface RouterTableOptions {
  /** Cap on pre-merged per-host candidate entries before merging moves to lookup time. */
  readonly maxMergedEntries?: number;
}

const DEFAULT_MAX_MERGED_ENTRIES = 2_000_000;

/**
 * Builds the per-entrypoint dispatcher: one Map.get on the canonical host, then a short
 * priority-ordered scan of that host's routes interleaved with the host-less ones.
 */
export function createRouterTable<T>(
  routes: readonly RouteDefinition<T>[],
  options: RouterTableOptions = {},
): RouterTable<T> {
  const steps = createRouterTableSteps(routes, options, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** createRouterTable, yielding every `perStep` routes or so (see buildRuntimeSteps). The sort is one step. */
export function* createRouterTableSteps<T>(
  routes: readonly RouteDefinition<T>[],
  options: RouterTableOptions,
  perStep: number,
): Generator<void, RouterTable<T>, void> {
  const sorted = [...routes].sort(compareRoutes);
  yield;
  const candidates: Candidate<T>[] = new Array<Candidate<T>>(sorted.length);
  const hosts: (readonly string[] | null)[] = new Array<readonly string[] | null>(sorted.length);
  for (let rank = 0; rank < sorted.length; rank++) {
    if (rank % perStep === perStep - 1) yield;
    const r = sorted[rank] as RouteDefinition<T>;
    candidates[rank] = { rank, match: r.rule.match, value: r.value };
    hosts[rank] = r.rule.hosts;
  }
  const index = yield* buildHostIndexSteps(candidates, hosts, options.maxMergedEntries ?? DEFAULT_MAX_MERGED_ENTRIES, perStep);
  const find = index.merged ? findMerged(index) : findMergingAtLookup(index);
  return { find, size: routes.length };
}

function findMerged<T>(index: HostIndex<T>): (ctx: RequestContext) => T | undefined {
  const { byHost, hostless } = index;
  return (ctx) => {
    const list = byHost.get(ctx.host) ?? hostless;
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Candidate<T>;
      if (c.match(ctx)) return c.value;
    }
    return undefined;
  };
}

function findMergingAtLookup<T>(index: HostIndex<T>): (ctx: RequestContext) => T | undefined {
  const { byHost, hostless } = index;
  return (ctx) => {
    const own = byHost.get(ctx.host);
    let i = 0;
    let j = 0;
    const ownLength = own === undefined ? 0 : own.length;
    while (i < ownLength || j < hostless.length) {
      const x = own?.[i];
      const y = hostless[j];
      let c: Candidate<T>;
      if (y === undefined || (x !== undefined && x.rank < y.rank)) {
        c = x as Candidate<T>;
        i++;
      } else {
        c = y;
        j++;
      }
      if (c.match(ctx)) return c.value;
    }
    return undefined;
  };
}
