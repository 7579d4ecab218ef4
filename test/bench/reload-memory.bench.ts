/**
 * Memory across reloads (the performance issue's goal 7): 1,000 rebuilds of a seed-like configuration (100
 * routers with the seed's middleware chain, sticky load balancers, TLS options), each with one router
 * renamed so every rebuild really changes something, and the heap and RSS after a forced GC every 250.
 * A script, not a test: prints a table, asserts nothing.
 *   node --expose-gc dist/test/bench/reload-memory.bench.js [reloads]
 */
import { EdgeProxy, type BuildInput } from '../../proxy/index.js';
import { webOnlyInput } from './lib/web-only-input.js';

const RELOADS = Number(process.argv[2] ?? 1000);
const ROUTERS = 100;

const middlewares: Record<string, Record<string, unknown>> = {
  'security-headers@file': { headers: { stsSeconds: 31536000, frameDeny: true, contentTypeNosniff: true, customResponseHeaders: { Server: '' } } },
  'rate-limit@file': { rateLimit: { average: 100, period: 60_000, burst: 50 } },
  'compression@file': { compress: { excludedContentTypes: [], includedContentTypes: [], minResponseBodyBytes: 1024, encodings: ['zstd', 'br', 'gzip'], defaultEncoding: '' } },
  'circuit-breaker@file': { circuitBreaker: { expression: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25' } },
  'retry@file': { retry: { attempts: 3, initialInterval: 100 } },
};

function input(generation: number): BuildInput {
  const routers: Record<string, BuildInput['http']['routers'][string]> = {};
  const services: Record<string, BuildInput['http']['services'][string]> = {};
  for (let i = 0; i < ROUTERS; i++) {
    services[`svc${i}@file`] = { loadBalancer: { servers: [1, 2, 3].map((n) => ({ url: `http://127.0.0.${n}:${3000 + i}` })), sticky: { cookie: { name: 'pe_session' } } } };
    // One router changes its name every reload: a real change, as a container coming and going makes.
    const name = i === 0 ? `moving${generation}@file` : `app${i}@file`;
    routers[name] = { rule: `Host(\`app${i}.example.com\`)`, service: `svc${i}`, entryPoints: ['web'], middlewares: Object.keys(middlewares).map((m) => m.replace('@file', '')) };
  }
  return webOnlyInput({ routers, services, middlewares }, { default: { minVersion: 'VersionTLS12' } });
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const proxy = new EdgeProxy([], input(0));
const rows: string[] = [];
const sample = (reloads: number): void => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  rows.push(`| ${reloads} | ${mb(heapUsed)} MB | ${mb(rss)} MB |`);
};
sample(0);
for (let i = 1; i <= RELOADS; i++) {
  proxy.apply(input(i));
  if (i % 250 === 0) sample(i);
}
await proxy.close(0);
console.log('| reloads | heap used after GC | RSS |');
console.log('|---:|---:|---:|');
for (const row of rows) console.log(row);
