/**
 * What the Prometheus metrics cost per request, and whether prom-client's own label children could replace
 * the plain store (proxy/observability/metric-series.ts): one A/B/C in one run. Three in-process pe-edges, alike
 * but for their end-of-request hook: none, metrics on the plain store, metrics on prom-client's label children
 * (`labels(...).inc()` / `.observe()`). Traefik's default metric options (entrypoint and service series, plus the
 * traefik_backend_* names). The backend is another process and the load is wrk, so this process's CPU time
 * (process.cpuUsage) is pe-edge's alone; only one pe-edge is loaded at a time. Two routes: a router without
 * middleware (metrics are the largest share there) and the seed's production chain (headers, rateLimit,
 * retry, circuitBreaker; plain HTTP, so TLS does not dilute the share). Rows are medians over rounds, the
 * variants' order rotated per round. On a shared machine the wrk rows are noisy; the second table is not: the hook
 * alone, replayed on real request contexts recorded from the same edges (200k calls per variant and round, CPU
 * time, rotated order), and its cost as a share of the whole request's CPU time measured above.
 * A script, not a test: prints tables, asserts nothing.
 *   node dist/test/bench/metrics-store.bench.js [seconds per run, default 5] [rounds, default 3]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EdgeProxy } from '../../proxy/index.js';
import { startChildBackend } from './lib/child-backend.js';
import { validateDynamicConfig } from '../../labels-spec/index.js';
import { createPrometheusMetrics } from '../../proxy/observability/metrics.js';
import { plainSeries, promClientSeries, type SeriesStore } from '../../proxy/observability/metric-series.js';
import type { RequestContext } from '../../proxy/http/request-context.js';
import { entryPointOptions } from '../support/proxy-fixture.js';
import { webOnlyInput } from './lib/web-only-input.js';

const run = promisify(execFile);
const CONNECTIONS = 32;

const SEED_CHAIN = validateDynamicConfig({
  http: {
    middlewares: {
      headers: { headers: { stsSeconds: 31536000, stsIncludeSubdomains: true, frameDeny: true, contentTypeNosniff: true, browserXssFilter: true, referrerPolicy: 'strict-origin-when-cross-origin' } },
      ratelimit: { rateLimit: { average: 1_000_000_000, period: '1m', burst: 1_000_000_000 } },
      retry: { retry: { attempts: 3, initialInterval: '100ms' } },
      circuitbreaker: { circuitBreaker: { expression: 'NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25' } },
    },
  },
}).config.http.middlewares;

type Variant = 'no metrics' | 'plain store' | 'prom-client children';

function metricsOn(store: SeriesStore): ReturnType<typeof createPrometheusMetrics> {
  return createPrometheusMetrics({
    addInternals: false, buckets: [0.1, 0.3, 1.2, 5], addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: true, headerLabels: {}, compatibilityNames: true, store,
  });
}

async function startEdge(backendPort: number, store: SeriesStore | null, record?: (ctx: RequestContext) => void): Promise<EdgeProxy> {
  const onDone: ((ctx: RequestContext) => void) | null = record ?? (store === null ? null : metricsOn(store).onRequestDone);
  const input = webOnlyInput({
    middlewares: Object.fromEntries(Object.entries(SEED_CHAIN).map(([name, m]) => [`${name}@file`, m])),
    services: { 'app@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backendPort}` }] } } },
    routers: {
      'bare@file': { rule: 'PathPrefix(`/bare`)', service: 'app', entryPoints: ['web'] },
      'seed@file': { rule: 'PathPrefix(`/seed`)', service: 'app', entryPoints: ['web'], middlewares: ['headers', 'ratelimit', 'retry', 'circuitbreaker'] },
    },
  });
  const proxy = new EdgeProxy([entryPointOptions('web', '127.0.0.1:0', { onDone })], input);
  await proxy.listen();
  return proxy;
}

/** CPU microseconds of this process per request answered, over one wrk run. */
async function measure(port: number, path: string, seconds: number): Promise<{ cpuUsPerRequest: number; rps: number }> {
  const before = process.cpuUsage();
  const { stdout } = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, `http://127.0.0.1:${port}${path}`]);
  const used = process.cpuUsage(before);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  if (/Non-2xx/.test(stdout)) throw new Error(`answers other than 2xx on ${path}:\n${stdout}`);
  return { cpuUsPerRequest: (used.user + used.system) / requests, rps: requests / seconds };
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  const backend = await startChildBackend();
  const variants: [Variant, SeriesStore | null][] = [['no metrics', null], ['plain store', plainSeries], ['prom-client children', promClientSeries]];
  const edges = new Map<Variant, EdgeProxy>();
  for (const [name, store] of variants) edges.set(name, await startEdge(backend.port, store));
  const results = new Map<string, { cpu: number[]; rps: number[] }>();
  // Real contexts of finished requests on both routes, for the hook-only rows.
  const recorded: RequestContext[] = [];
  const recorder = await startEdge(backend.port, null, (ctx) => {
    if (recorded.length < 2000) recorded.push(ctx);
  });
  try {
    for (const [name] of variants) for (const path of ['/bare', '/seed']) await measure((edges.get(name) as EdgeProxy).port('web'), path, 2); // warm-up
    for (const path of ['/bare', '/seed']) await measure(recorder.port('web'), path, 1);
    for (let round = 0; round < rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length] as [Variant, SeriesStore | null]);
      for (const path of ['/bare', '/seed']) {
        for (const [name] of order) {
          const r = await measure((edges.get(name) as EdgeProxy).port('web'), path, seconds);
          const key = `${path}\0${name}`;
          const row = results.get(key) ?? { cpu: [], rps: [] };
          row.cpu.push(r.cpuUsPerRequest);
          row.rps.push(r.rps);
          results.set(key, row);
        }
      }
    }
  } finally {
    for (const edge of edges.values()) await edge.close(0);
    await recorder.close(0);
    backend.stop();
  }
  console.log(`metrics cost per request: wrk -c${CONNECTIONS}, ${seconds} s per run, median of ${rounds} rounds`);
  console.log('| route | variant | req/s | CPU µs/request | vs no metrics | vs plain store |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const path of ['/bare', '/seed']) {
    const cpu = (v: Variant): number => median(results.get(`${path}\0${v}`)?.cpu ?? []);
    for (const [name] of variants) {
      const row = results.get(`${path}\0${name}`);
      if (row === undefined) continue;
      const c = cpu(name);
      const pct = (base: number): string => `${c >= base ? '+' : ''}${(((c - base) / base) * 100).toFixed(1)} %`;
      console.log(`| ${path === '/bare' ? 'no middleware' : 'seed chain'} | ${name} | ${Math.round(median(row.rps)).toLocaleString('en')} | ${c.toFixed(1)} | ${name === 'no metrics' ? '' : pct(cpu('no metrics'))} | ${name === 'prom-client children' ? pct(cpu('plain store')) : ''} |`);
    }
  }
  // The hook alone on the recorded contexts: both stores, interleaved, CPU time per call.
  const CALLS = 200_000;
  const hooks: [Variant, (ctx: RequestContext) => void][] = [['plain store', metricsOn(plainSeries).onRequestDone], ['prom-client children', metricsOn(promClientSeries).onRequestDone]];
  const perCall = new Map<Variant, number[]>();
  for (let round = 0; round < rounds + 2; round++) {
    for (let i = 0; i < hooks.length; i++) {
      const [name, hook] = hooks[(i + round) % hooks.length] as [Variant, (ctx: RequestContext) => void];
      const before = process.cpuUsage();
      for (let n = 0; n < CALLS; n++) hook(recorded[n % recorded.length] as RequestContext);
      const used = process.cpuUsage(before);
      if (round >= 2) perCall.set(name, [...(perCall.get(name) ?? []), (used.user + used.system) / CALLS]); // two warm-up rounds
    }
  }
  const request = median([...results.entries()].filter(([key]) => key.endsWith('\0no metrics')).flatMap(([, r]) => r.cpu));
  console.log('');
  console.log(`the end-of-request hook alone, on ${recorded.length} recorded contexts (${CALLS.toLocaleString('en')} calls per variant and round, median of ${rounds}); share of a whole request's ${request.toFixed(1)} µs CPU (no metrics, median above)`);
  console.log('| store | µs per request | share of a request |');
  console.log('|---|---:|---:|');
  for (const [name] of hooks) {
    const us = median(perCall.get(name) ?? []);
    console.log(`| ${name} | ${us.toFixed(2)} | ${((us / request) * 100).toFixed(1)} % |`);
  }
  const extra = median(perCall.get('prom-client children') ?? []) - median(perCall.get('plain store') ?? []);
  console.log(`prom-client's label children cost ${extra.toFixed(2)} µs more per request than the plain store: ${((extra / request) * 100).toFixed(1)} % of a request's CPU (the issue's limit: 2 %)`);
}

await main();
