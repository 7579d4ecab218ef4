/**
 * Large bodies through pe-edge (the performance issue's goal 6): a 100 MB download and a 100 MB upload, streamed
 * through the real CLI and directly to the same backend in one run, with pe-edge's RSS sampled meanwhile; and a
 * 10 MB text download through `compress`. A script, not a test: prints a table, asserts nothing.
 *   node dist/test/bench/large-bodies.bench.js
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliProcess, freePort, TempConfigDir } from '../support/cli-process.js';

const MB = 1024 * 1024;
const SIZE = 100 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 'pixelated empathy ');

function backend(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let received = 0;
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.end(String(received)));
      return;
    }
    const total = req.url === '/text' ? 10 * MB : SIZE;
    res.writeHead(200, { 'content-type': req.url === '/text' ? 'text/plain' : 'application/octet-stream', 'content-length': String(total) });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const part = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
        sent += part.length;
        if (!res.write(part)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function timed(run: () => Promise<number>): Promise<{ seconds: number; bytes: number }> {
  const started = process.hrtime.bigint();
  const bytes = await run();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes };
}

function download(port: number, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: { host: 'big.test', ...headers }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(bytes));
    }).once('error', reject);
  });
}

function upload(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/up', headers: { host: 'big.test', 'content-length': String(SIZE) }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(Number(body)));
    });
    req.once('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < SIZE) {
        const part = CHUNK.subarray(0, Math.min(CHUNK.length, SIZE - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

async function main(): Promise<void> {
  const server = await backend();
  const backendPort = (server.address() as AddressInfo).port;
  const port = await freePort();
  const dir = new TempConfigDir();
  dir.write('dynamic.yml', [
    'http:',
    '  middlewares: { gzip: { compress: {} } }',
    '  services: { big: { loadBalancer: { servers: [{ url: "http://127.0.0.1:' + backendPort + '" }] } } }',
    '  routers:',
    '    big: { rule: "Host(`big.test`)", service: big }',
    '    text: { rule: "Host(`big.test`) && Path(`/text`)", service: big, middlewares: [gzip] }',
  ].join('\n'));
  dir.write('traefik.yml', `entryPoints:\n  web:\n    address: "127.0.0.1:${port}"\nproviders:\n  file:\n    filename: ${JSON.stringify(dir.file('dynamic.yml'))}\nlog:\n  level: INFO\n  format: json\n`);
  const edge = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  try {
    await edge.waitListening(1, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const pid = edge.pid;
    if (pid === undefined) throw new Error('pe-edge did not start');
    const idle = rssMb(pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
    const rows: string[] = [];
    // `bodyBytes`: what the throughput counts (the uncompressed size when the client receives it compressed).
    const row = async (name: string, direct: () => Promise<number>, proxied: () => Promise<number>, bodyBytes?: number): Promise<void> => {
      const d = await timed(direct);
      const p = await timed(proxied);
      if (bodyBytes !== undefined) p.bytes = bodyBytes;
      const mbps = (r: { seconds: number; bytes: number }): number => r.bytes / MB / r.seconds;
      rows.push(`| ${name} | ${mbps(d).toFixed(0)} MB/s | ${mbps(p).toFixed(0)} MB/s | ${(mbps(p) / mbps(d)).toFixed(2)} | ${(peak - idle).toFixed(0)} MB |`);
      peak = rssMb(pid);
    };
    await row('100 MB download', () => download(backendPort, '/big'), () => download(port, '/big'));
    await row('100 MB upload', () => upload(backendPort), () => upload(port));
    await row('10 MB text download, gzip', () => download(backendPort, '/text'), () => download(port, '/text', { 'accept-encoding': 'gzip' }), 10 * MB);
    clearInterval(sampler);
    console.log(`pe-edge RSS at idle: ${idle.toFixed(0)} MB`);
    console.log('| body | direct | through pe-edge | ratio | pe-edge RSS peak over idle, so far |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
  } finally {
    await edge.stop();
    server.close();
    dir.remove();
  }
}

await main();
