/**
 * Router lookup cost, 10 vs 10,000 Host routers, against Traefik's strategy (a priority-sorted
 * linear scan) measured in the same run. A script, not a test: prints a table, asserts nothing.
 *   node dist/test/bench/router-lookup.bench.js [lookups]
 */
import type { RequestContext } from '../../proxy/http/request-context.js';
import { compileRule } from '../../proxy/rules/compile.js';
import { compareRoutes, rulePriority } from '../../proxy/rules/priority.js';
import { createRouterTable, type RouteDefinition } from '../../proxy/routing/router-table.js';
import { requestContext } from '../support/request-context.js';

const LOOKUPS = Number(process.argv[2] ?? 200_000);

function routes(hostCount: number): RouteDefinition<string>[] {
  const out: RouteDefinition<string>[] = [];
  for (let i = 0; i < hostCount; i++) {
    const rule = i % 2 === 0 ? `Host(\`app${i}.example.com\`)` : `Host(\`app${i}.example.com\`) && PathPrefix(\`/api\`)`;
    out.push({ name: `r${i}`, priority: rulePriority(rule), rule: compileRule(rule), value: `r${i}` });
  }
  // A few host-less routers, as a real config has (metrics, catch-all).
  for (const [name, rule, priority] of [['metrics', 'Path(`/metrics`)', 0], ['fallback', 'PathPrefix(`/`)', 1]] as const) {
    out.push({ name, priority: rulePriority(rule, priority), rule: compileRule(rule), value: name });
  }
  return out;
}

function linearScan<T>(defs: readonly RouteDefinition<T>[]): (ctx: RequestContext) => T | undefined {
  const sorted = [...defs].sort(compareRoutes);
  return (ctx) => {
    for (const r of sorted) if (r.rule.match(ctx)) return r.value;
    return undefined;
  };
}

function timePerLookup(find: (ctx: RequestContext) => unknown, contexts: readonly RequestContext[], lookups: number): number {
  let sink = 0;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) if (find(contexts[i % contexts.length] as RequestContext) !== undefined) sink++;
  };
  run(Math.min(lookups, 100_000)); // warm-up: let V8 optimise the scan
  const start = process.hrtime.bigint();
  run(lookups);
  const ns = Number(process.hrtime.bigint() - start) / lookups;
  if (sink < 0) console.log(sink);
  return ns;
}

/**
 * Cases: the same request mix (10 hot hosts) against 10 and 10,000 routers isolates the dispatch
 * algorithm; the last row spreads traffic over 1,024 hosts, which adds CPU-cache misses that any
 * data structure pays, so it is shown separately.
 */
const CASES = [
  { routers: 10, hotHosts: 10 },
  { routers: 10_000, hotHosts: 10 },
  { routers: 10_000, hotHosts: 1024 },
] as const;

const rows: { routers: number; hotHosts: number; buildMs: number; indexed: number; linear: number }[] = [];
for (const { routers: size, hotHosts } of CASES) {
  const defs = routes(size);
  const buildStart = process.hrtime.bigint();
  const table = createRouterTable(defs);
  const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
  // Hot hosts spread over the whole table (a linear scan pays most for the tail), 1 in 16 requests misses.
  const stride = Math.floor(size / hotHosts);
  const contexts: RequestContext[] = [];
  for (let i = 0; i < 1024; i++) {
    const host = i % 16 === 0 ? 'unknown.example.com' : `app${((i * 7) % hotHosts) * stride}.example.com`;
    contexts.push(requestContext({ host, url: i % 3 === 0 ? '/api/x' : '/' }));
  }
  const find = table.find;
  const linear = linearScan(defs);
  for (const ctx of contexts) if (find(ctx) !== linear(ctx)) throw new Error(`index and scan disagree on ${ctx.host}`);
  // Linear scans over 10,000 routers are slow: fewer lookups keep the run short.
  const linearLookups = size > 1000 ? Math.max(1000, Math.floor(LOOKUPS / 100)) : LOOKUPS;
  rows.push({
    routers: defs.length,
    hotHosts,
    buildMs,
    indexed: timePerLookup(find, contexts, LOOKUPS),
    linear: timePerLookup(linear, contexts, linearLookups),
  });
}

const base = rows[0] as (typeof rows)[number];
console.log(`router lookup, ${LOOKUPS} lookups per case (ns per lookup; ratios against the first row and against a linear scan)`);
console.log('routers  hot hosts  build ms  indexed ns  vs 10 routers  linear ns  linear/indexed');
for (const r of rows) {
  console.log(
    [
      String(r.routers).padStart(7),
      String(r.hotHosts).padStart(10),
      r.buildMs.toFixed(1).padStart(9),
      r.indexed.toFixed(0).padStart(11),
      `${(r.indexed / base.indexed).toFixed(2)}x`.padStart(14),
      r.linear.toFixed(0).padStart(10),
      `${(r.linear / r.indexed).toFixed(1)}x`.padStart(15),
    ].join(' '),
  );
}
