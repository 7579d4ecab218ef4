/**
 * How fast `/metrics` answers on its own entrypoint while the web entrypoint is under load (the budget:
 * p99 under 50 ms). One in-process pe-edge with metrics.prometheus on entrypoint `metrics` and 20 routers, each
 * to its own service (about 500 series with the traefik_backend_* names and the process defaults); the backend
 * is another process. wrk loads `web` over the 20 routers (32 connections) while a second wrk scrapes
 * `/metrics` back to back on one connection, far more often than Prometheus would, and reports its latency
 * percentiles. Bounded: a fixed duration, loopback only. A script, not a test: prints a table, asserts nothing.
 *   node dist/test/bench/metrics-scrape.bench.js [seconds, default 10]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EdgeProxy } from '../../proxy/index.js';
import { startChildBackend } from './lib/child-backend.js';
import { createPrometheusMetrics } from '../../proxy/observability/metrics.js';
import { entryPointOptions } from '../support/proxy-fixture.js';
import { webOnlyInput } from './lib/web-only-input.js';

const run = promisify(execFile);
const ROUTERS = 20;

function percentile(text: string, p: string): string {
  return new RegExp(`^\\s*${p.replace('.', '\\.')}%\\s+(\\S+)`, 'm').exec(text)?.[1] ?? '?';
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const backend = await startChildBackend();
  const metrics = createPrometheusMetrics({ addInternals: false, buckets: [0.1, 0.3, 1.2, 5], addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: true, headerLabels: {}, compatibilityNames: true });
  const routers: Record<string, { rule: string; service: string; entryPoints: string[] }> = {};
  const services: Record<string, { loadBalancer: { servers: { url: string }[] } }> = {};
  for (let i = 0; i < ROUTERS; i++) {
    routers[`r${i}@file`] = { rule: `PathPrefix(\`/r${i}/\`)`, service: `s${i}`, entryPoints: ['web'] };
    services[`s${i}@file`] = { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backend.port}` }] } };
  }
  const base = webOnlyInput({ routers, services, middlewares: {} });
  const input = { ...base, entryPoints: { ...base.entryPoints, metrics: { address: '127.0.0.1:0' } }, metrics: { entryPoint: 'metrics', handler: metrics.handler } };
  const proxy = new EdgeProxy([entryPointOptions('web', '127.0.0.1:0', { onDone: metrics.onRequestDone }), entryPointOptions('metrics')], input);
  await proxy.listen();
  const dir = mkdtempSync(join(tmpdir(), 'pe-scrape-bench-'));
  const script = join(dir, 'paths.lua');
  writeFileSync(script, `local i = 0\nrequest = function()\n  i = (i + 1) % ${ROUTERS}\n  return wrk.format(nil, "/r" .. i .. "/x")\nend\n`);
  try {
    const web = `http://127.0.0.1:${proxy.port('web')}/`;
    await run('wrk', ['-t1', '-c32', '-d2s', '-s', script, web]); // warm-up: every series exists
    const load = run('wrk', ['-t1', '-c32', `-d${seconds + 2}s`, '-s', script, web]);
    await new Promise((r) => setTimeout(r, 1000));
    const scrape = await run('wrk', ['-t1', '-c1', `-d${seconds}s`, '--latency', `http://127.0.0.1:${proxy.port('metrics')}/metrics`]);
    const loaded = await load;
    const text = await metrics.registry.metrics();
    const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const scrapes = /(\d+) requests in/.exec(scrape.stdout)?.[1] ?? '?';
    const webRps = /Requests\/sec:\s*(\S+)/.exec(loaded.stdout)?.[1] ?? '?';
    console.log(`/metrics under load: ${lines} series lines, ${ROUTERS} routers, web at ${webRps} req/s (wrk -c32), ${scrapes} scrapes in ${seconds} s on one connection`);
    console.log('| scrape latency | p50 | p90 | p99 |');
    console.log('|---|---:|---:|---:|');
    console.log(`| /metrics | ${percentile(scrape.stdout, '50')} | ${percentile(scrape.stdout, '90')} | ${percentile(scrape.stdout, '99')} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await proxy.close(0);
    backend.stop();
  }
}

await main();
