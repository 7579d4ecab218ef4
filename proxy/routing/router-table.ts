import type { RequestContext } from '../http/request-context.js';
import type { CompiledRule } from '../rules/compile.js';
import { compareRoutes } from '../rules/priority.js';
import { buildHostIndex, type Candidate, type HostIndex } from './host-index.js';

export interface RouteDefinition<T> {
  readonly name: string;
  /** Effective priority (see rules/priority.ts: rule length when unset). */
  readonly priority: number;
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
  const sorted = [...routes].sort(compareRoutes);
  const candidates = sorted.map((r, rank): Candidate<T> => ({ rank, match: r.rule.match, value: r.value }));
  const index = buildHostIndex(
    candidates,
    sorted.map((r) => r.rule.hosts),
    options.maxMergedEntries ?? DEFAULT_MAX_MERGED_ENTRIES,
  );
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
