/**
 * Throughput with 20,000 routers against 10: the same request (a Host router, then a Host && PathPrefix one)
 * through an in-process EdgeProxy built from the config-scale bench's configuration, to one loopback backend
 * (node-backends.mjs, its own process). wrk -t1 -c16, 2 s warm-up then `seconds` per run, the two sizes
 * alternating for `rounds` rounds; prints each run and the ratio of medians. On a machine shared with other work
 * req/s swings with the neighbours' load, so it also prints this process's CPU time per request (user + system,
 * GC threads included), which does not. A script, not a test.
 *   node --expose-gc dist/test/bench/config-scale-throughput.bench.js [rounds=3] [seconds=5]
 * Building 20,000 routers leaves garbage behind: with --expose-gc it is collected before the runs, and the two
 * rules take turns at going first, so neither pays for the build more than the other.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EdgeProxy, type BuildInput } from '../../proxy/index.js';
import { entryPointOptions } from '../support/proxy-fixture.js';
import { webOnlyInput } from './lib/web-only-input.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 5);

/** `pairs` Host routers and `pairs` Host && PathPrefix routers; router pair `target` goes to the backend. */
function input(pairs: number, target: number, backend: string): BuildInput {
  const routers: Record<string, BuildInput['http']['routers'][string]> = {};
  const services: Record<string, BuildInput['http']['services'][string]> = {};
  for (let i = 0; i < pairs; i++) {
    services[`svc${i}@docker`] = { loadBalancer: { servers: [{ url: i === target ? backend : `http://127.0.0.1:${10000 + (i % 50000)}` }] } };
    routers[`host${i}@docker`] = { rule: `Host(\`app${i}.example.com\`)`, service: `svc${i}`, entryPoints: ['web'] };
    routers[`path${i}@docker`] = { rule: `Host(\`app${i}.example.com\`) && PathPrefix(\`/api${i}\`)`, service: `svc${i}`, entryPoints: ['web'] };
  }
  return webOnlyInput({ routers, services, middlewares: {} });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** wrk runs in its own process while this one's event loop serves the proxy. */
function wrk(url: string, host: string, seconds: number): Promise<{ rps: number; requests: number; non2xx: number; socketErrors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const parsed = parseWrk(out);
      resolve({ rps: parsed.rps ?? 0, requests: parsed.requests ?? 0, non2xx: parsed.non2xx, socketErrors: parsed.socketErrors });
    });
  });
}

// The wrk output parser is a plain .mjs beside the shell benches (not compiled into dist).
const { parseWrk } = (await import(new URL('../../../test/bench/lib/wrk.mjs', import.meta.url).href)) as { parseWrk: (text: string) => { rps?: number; requests?: number; non2xx: number; socketErrors: number } };

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const backendPort = await freePort();
const backendScript = fileURLToPath(new URL('../../../test/bench/backends/node-backends.mjs', import.meta.url));
const backend = spawn(process.execPath, [backendScript, String(backendPort)], { stdio: 'inherit' });
await new Promise((resolve) => setTimeout(resolve, 500));

const sizes = [{ label: '10 routers', pairs: 5, target: 2 }, { label: '20,000 routers', pairs: 10_000, target: 5_000 }] as const;
const runs = new Map<string, number[]>();
/** µs of this process's CPU per request, per run. */
const cpu = new Map<string, number[]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const size of sizes) {
      const proxy = new EdgeProxy([entryPointOptions('web')], input(size.pairs, size.target, `http://127.0.0.1:${backendPort}`));
      await proxy.listen();
      const base = `http://127.0.0.1:${proxy.port('web')}`;
      const host = `app${size.target}.example.com`;
      (globalThis as { gc?: () => void }).gc?.();
      const kinds = [['Host', '/'], ['Host && PathPrefix', `/api${size.target}`]] as const;
      for (const [kind, path] of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        await wrk(base + path, host, 2);
        const before = process.cpuUsage();
        const result = await wrk(base + path, host, SECONDS);
        const used = process.cpuUsage(before);
        const key = `${size.label} | ${kind}`;
        const cpuPerRequest = (used.user + used.system) / Math.max(1, result.requests);
        runs.set(key, [...(runs.get(key) ?? []), result.rps]);
        cpu.set(key, [...(cpu.get(key) ?? []), cpuPerRequest]);
        console.log(`round ${round + 1}: ${key}: ${result.rps.toFixed(0)} req/s, ${cpuPerRequest.toFixed(0)} µs CPU per request${result.non2xx + result.socketErrors > 0 ? ` (non-2xx ${result.non2xx}, socket errors ${result.socketErrors})` : ''}`);
      }
      await proxy.close(0);
    }
  }
} finally {
  backend.kill();
}
console.log('| routers | rule | req/s (median) | runs | vs 10 routers | CPU per request (median) | runs | 10 routers / this |');
console.log('|---|---|---:|---|---:|---:|---|---:|');
for (const [key, values] of runs) {
  const kind = key.split(' | ')[1] ?? '';
  const reference = median(runs.get(`10 routers | ${kind}`) ?? []);
  const cpus = cpu.get(key) ?? [];
  const cpuReference = median(cpu.get(`10 routers | ${kind}`) ?? []);
  console.log(`| ${key} | ${median(values).toFixed(0)} | ${values.map((v) => v.toFixed(0)).join(', ')} | ${(median(values) / reference).toFixed(2)} `
    + `| ${median(cpus).toFixed(0)} µs | ${cpus.map((v) => v.toFixed(0)).join(', ')} | ${(cpuReference / median(cpus)).toFixed(2)} |`);
}
