/**
 * Configuration scale: a full rebuild of 10,000 Host routers plus 10,000 Host && PathPrefix routers (with
 * their services), against 10 routers, and the process's RSS once they are built. A script, not a test:
 * prints a table, asserts nothing.
 *   node --expose-gc dist/test/bench/config-scale.bench.js [rebuilds]
 */
import { EdgeProxy, type BuildInput } from '../../proxy/index.js';
import { webOnlyInput } from './lib/web-only-input.js';

const REBUILDS = Number(process.argv[2] ?? 5);

function input(routerPairs: number): BuildInput {
  const routers: Record<string, BuildInput['http']['routers'][string]> = {};
  const services: Record<string, BuildInput['http']['services'][string]> = {};
  for (let i = 0; i < routerPairs; i++) {
    services[`svc${i}@docker`] = { loadBalancer: { servers: [{ url: `http://127.0.0.1:${10000 + (i % 50000)}` }] } };
    routers[`host${i}@docker`] = { rule: `Host(\`app${i}.example.com\`)`, service: `svc${i}`, entryPoints: ['web'] };
    routers[`path${i}@docker`] = { rule: `Host(\`app${i}.example.com\`) && PathPrefix(\`/api${i}\`)`, service: `svc${i}`, entryPoints: ['web'] };
  }
  return webOnlyInput({ routers, services, middlewares: {} });
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

function measure(pairs: number): { medianMs: number; maxMs: number; rssMb: number } {
  const built = input(pairs);
  const proxy = new EdgeProxy([], built);
  const times: number[] = [];
  for (let i = 0; i < REBUILDS; i++) {
    const started = process.hrtime.bigint();
    proxy.apply(input(pairs));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  gc();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  void proxy.close(0);
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)] ?? 0, maxMs: times[times.length - 1] ?? 0, rssMb };
}

const small = measure(5);
gc();
const large = measure(10_000);
console.log('| routers | rebuild median | rebuild max | RSS after |');
console.log('|---:|---:|---:|---:|');
for (const [n, r] of [[10, small], [20_000, large]] as const) {
  console.log(`| ${n.toLocaleString('en')} | ${r.medianMs.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms | ${r.rssMb.toFixed(0)} MB |`);
}
