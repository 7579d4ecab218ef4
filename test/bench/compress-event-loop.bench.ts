/**
 * How long `compress` holds pe-edge's event loop per response (the performance issue's budget: never more
 * than 1 ms). pe-edge runs alone on the main thread; the backend and the clients run in a worker thread, so
 * the main thread's event-loop delay histogram (perf_hooks.monitorEventLoopDelay, 1 ms resolution) sees only
 * pe-edge's work. For each body size and encoding, 8 keep-alive clients request the same text body for 2 s
 * through a router with `compress` and through one without; the table gives how long the loop was held past
 * its 1 ms timer period (percentiles of the samples). Every answer's body is a new one (a counter in its first
 * bytes), so each is compressed: the cost of new pages, not of pages compress keeps. With 8 clients one loop turn serves several answers, so
 * compare the two routes: the difference is what compression adds. Other load on the machine shows up as
 * tail delay in both.
 * A script, not a test: prints a table, asserts nothing.
 *   node dist/test/bench/compress-event-loop.bench.js [seconds per row]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EdgeProxy } from '../../proxy/index.js';
import { validateDynamicConfig } from '../../labels-spec/index.js';
import { entryPointOptions } from '../support/proxy-fixture.js';
import { webOnlyInput } from './lib/web-only-input.js';

const SIZES = [4 * 1024, 16 * 1024, 64 * 1024, 1024 * 1024];
const ENCODINGS = ['gzip', 'br'] as const;
const CLIENTS = 8;

interface Row { path: string; encoding: string; seconds: number }
interface Done { requests: number; bytes: number; failed: number }

/** Worker side: a backend serving `/<size>` as HTML-like text, and the clients. */
async function workerMain(): Promise<void> {
  const bodies = new Map(SIZES.map((size) => [String(size), textBody(size)]));
  let served = 0;
  const backend = http.createServer((req, res) => {
    const page = bodies.get((req.url ?? '').split('/').pop() ?? '') ?? Buffer.alloc(0);
    // Every answer differs in its first bytes, so compress's cache of bodies it has compressed never answers.
    const body = Buffer.from(page);
    body.write(String(++served).padStart(12, '0'), 0, 'latin1');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  parentPort?.postMessage({ backendPort: (backend.address() as AddressInfo).port });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  parentPort?.on('message', (msg: { proxyPort: number; row: Row } | 'stop') => {
    if (msg === 'stop') {
      agent.destroy();
      backend.close();
      return;
    }
    const { proxyPort, row } = msg;
    const until = Date.now() + row.seconds * 1000;
    const done: Done = { requests: 0, bytes: 0, failed: 0 };
    const client = (): Promise<void> =>
      new Promise((resolve) => {
        const next = (): void => {
          if (Date.now() >= until) return resolve();
          http.get({ port: proxyPort, host: '127.0.0.1', path: row.path, agent, headers: { 'accept-encoding': row.encoding } }, (res) => {
            res.on('data', (chunk: Buffer) => (done.bytes += chunk.length));
            res.on('end', () => {
              if (res.statusCode === 200) done.requests++;
              else done.failed++;
              next();
            });
          }).on('error', () => resolve());
        };
        next();
      });
    void Promise.all(Array.from({ length: CLIENTS }, client)).then(() => parentPort?.postMessage(done));
  });
}

function textBody(size: number): Buffer {
  const line = '<p class="entry">Pixelated Empathy keeps a journal of every session, with notes and tags.</p>\n';
  let text = '';
  for (let i = 0; text.length < size; i++) text += line.replace('session', `session ${i}`);
  return Buffer.from(text.slice(0, size));
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 2);
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: 'load' } });
  const { backendPort } = await new Promise<{ backendPort: number }>((resolve) => worker.once('message', resolve));
  const input = webOnlyInput({
    // As the file provider hands it over: validated, Traefik's defaults filled in.
    middlewares: { 'gz@file': validateDynamicConfig({ http: { middlewares: { gz: { compress: {} } } } }).config.http.middlewares.gz ?? {} },
    services: { 'pages@file': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backendPort}` }] } } },
    routers: {
      'compressed@file': { rule: 'PathPrefix(`/compressed`)', service: 'pages', middlewares: ['gz'], entryPoints: ['web'] },
      'plain@file': { rule: 'PathPrefix(`/plain`)', service: 'pages', entryPoints: ['web'] },
    },
  });
  const proxy = new EdgeProxy([entryPointOptions('web')], input);
  await proxy.listen();
  const proxyPort = proxy.port('web');
  const run = async (row: Row): Promise<{ done: Done; p50: number; p99: number; max: number }> => {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    worker.postMessage({ proxyPort, row });
    const done = await new Promise<Done>((resolve) => worker.once('message', resolve));
    histogram.disable();
    // Each sample is the time between two 1 ms timer turns: what exceeds the 1 ms period is time the loop was held.
    const held = (ns: number): number => Math.max(0, ns / 1e6 - 1);
    return { done, p50: held(histogram.percentile(50)), p99: held(histogram.percentile(99)), max: held(histogram.max) };
  };
  // Warm-up: V8 and zlib settle before anything is measured.
  for (const encoding of ENCODINGS) await run({ path: `/compressed/${4 * 1024}`, encoding, seconds: 2 });
  console.log(`| body | encoding | route | req/s | loop held p50 | p99 | max |`);
  console.log('|---:|---|---|---:|---:|---:|---:|');
  for (const size of SIZES) {
    for (const encoding of ENCODINGS) {
      for (const route of ['plain', 'compressed']) {
        const r = await run({ path: `/${route}/${size}`, encoding, seconds });
        const label = route === 'plain' ? 'no compress' : 'compress';
        if (r.done.failed > 0) console.log(`(${r.done.failed} answers other than 200 on ${route} ${size} ${encoding})`);
        console.log(`| ${size / 1024} KiB | ${encoding} | ${label} | ${Math.round(r.done.requests / seconds).toLocaleString('en')} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.max.toFixed(2)} ms |`);
      }
    }
  }
  worker.postMessage('stop');
  await worker.terminate();
  await proxy.close(0);
}

if (isMainThread) await main();
else if ((workerData as { role?: string } | null)?.role === 'load') await workerMain();
