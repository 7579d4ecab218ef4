/**
 * Configuration scale: 10,000 Host routers plus 10,000 Host && PathPrefix routers (with their services),
 * against 10 routers. A script, not a test: prints a table, asserts nothing.
 *   node --expose-gc dist/test/bench/config-scale.bench.js [rebuilds]
 *
 * - first build: `new EdgeProxy` (nothing to reuse);
 * - rebuild, same config: `apply` of an equal configuration (fresh objects, as a provider hands them over);
 * - rebuild, every rule changed: `apply` of a configuration whose every rule differs from the one in place;
 * - sliced rebuild: `update` (the running process's path) of a configuration whose every rule changed: time
 *   until it lands, and the longest the event loop was held meanwhile (perf_hooks monitorEventLoopDelay, 1 ms
 *   resolution: max delay, so a request arriving during the rebuild waits at most about this long);
 * - one router changed: `update` of the configuration in place with one rule changed;
 * - RSS built: the process's RSS right after a GC once the first build and the same-config rebuilds ran (how this
 *   bench measured RSS before); V8 returns the pages it freed a little later, so it also prints RSS settled: after
 *   2 s with nothing to do and another GC, which is what a running process shows between reloads;
 *   RSS at end: right after a GC, once everything above ran.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EdgeProxy, type BuildInput } from '../../proxy/index.js';
import { webOnlyInput } from './lib/web-only-input.js';

const REBUILDS = Number(process.argv[2] ?? 5);

/** `variant` changes every rule (the domain), `changedRouter` only that router's rule. */
function input(routerPairs: number, variant = 0, changedRouter = -1): BuildInput {
  const routers: Record<string, BuildInput['http']['routers'][string]> = {};
  const services: Record<string, BuildInput['http']['services'][string]> = {};
  const domain = variant === 0 ? 'example.com' : `example${variant}.com`;
  for (let i = 0; i < routerPairs; i++) {
    services[`svc${i}@docker`] = { loadBalancer: { servers: [{ url: `http://127.0.0.1:${10000 + (i % 50000)}` }] } };
    routers[`host${i}@docker`] = { rule: `Host(\`app${i}.${i === changedRouter ? 'changed' : domain}\`)`, service: `svc${i}`, entryPoints: ['web'] };
    routers[`path${i}@docker`] = { rule: `Host(\`app${i}.${domain}\`) && PathPrefix(\`/api${i}\`)`, service: `svc${i}`, entryPoints: ['web'] };
  }
  return webOnlyInput({ routers, services, middlewares: {} });
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface Result {
  firstMs: number;
  sameMs: number;
  changedMs: number;
  slicedMs: number;
  /** Longest event-loop delay seen during the sliced rebuilds (max over them). */
  blockMs: number;
  oneRouterMs: number;
  rssMb: number;
  rssSettledMb: number;
  rssEndMb: number;
}

async function measure(pairs: number): Promise<Result> {
  let started = process.hrtime.bigint();
  const proxy = new EdgeProxy([], input(pairs));
  const firstMs = ms(started);
  const same: number[] = [];
  const changed: number[] = [];
  const sliced: number[] = [];
  const oneRouter: number[] = [];
  let blockMs = 0;
  let variant = 0;
  for (let i = 0; i < REBUILDS; i++) {
    const next = input(pairs, variant);
    started = process.hrtime.bigint();
    proxy.apply(next);
    same.push(ms(started));
  }
  gc();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  gc();
  const rssSettledMb = process.memoryUsage().rss / 2 ** 20;
  for (let i = 0; i < REBUILDS; i++) {
    const next = input(pairs, ++variant);
    started = process.hrtime.bigint();
    proxy.apply(next);
    changed.push(ms(started));
  }
  for (let i = 0; i < REBUILDS; i++) {
    const next = input(pairs, ++variant);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    // The histogram's first tick only starts the clock: let it run before the rebuild starts.
    await new Promise((resolve) => setTimeout(resolve, 5));
    started = process.hrtime.bigint();
    await proxy.update(next);
    sliced.push(ms(started));
    // Let the delay timer fire once more, so a block in the last slice is recorded too.
    await new Promise((resolve) => setTimeout(resolve, 5));
    delay.disable();
    blockMs = Math.max(blockMs, delay.max / 1e6);
  }
  for (let i = 0; i < REBUILDS; i++) {
    const next = input(pairs, variant, i);
    started = process.hrtime.bigint();
    await proxy.update(next);
    oneRouter.push(ms(started));
  }
  gc();
  const rssEndMb = process.memoryUsage().rss / 2 ** 20;
  void proxy.close(0);
  return { firstMs, sameMs: median(same), changedMs: median(changed), slicedMs: median(sliced), blockMs, oneRouterMs: median(oneRouter), rssMb, rssSettledMb, rssEndMb };
}

const small = await measure(5);
gc();
const large = await measure(10_000);
console.log(`medians of ${REBUILDS} rebuilds each`);
console.log('| routers | first build | rebuild, same config | rebuild, every rule changed | sliced rebuild (update), every rule changed | longest event-loop block during update | update, one router changed | RSS built | RSS settled | RSS at end |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [n, r] of [[10, small], [20_000, large]] as const) {
  const f = (v: number): string => `${v.toFixed(1)} ms`;
  console.log(`| ${n.toLocaleString('en')} | ${f(r.firstMs)} | ${f(r.sameMs)} | ${f(r.changedMs)} | ${f(r.slicedMs)} | ${f(r.blockMs)} | ${f(r.oneRouterMs)} | ${r.rssMb.toFixed(0)} MB | ${r.rssSettledMb.toFixed(0)} MB | ${r.rssEndMb.toFixed(0)} MB |`);
}
