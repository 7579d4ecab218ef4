/**
 * TCP routing through pe-edge against HAProxy in TCP mode (issue 13's bench): a 1 GB transfer (bytes/s) and short
 * connections (connections/s), to the same backend, and a 1 GB upload (client to server) in one run, with the direct path as the ceiling. pe-edge routes a
 * `HostSNI(`*`)` TCP router on a dedicated entrypoint; HAProxy runs `mode tcp`, `nbthread 1`. A script, not a test:
 * prints a table and its method, asserts nothing.
 *   npx tsc -b && node dist/test/bench/tcp-passthrough.bench.js
 * Environment: BENCH_ROUNDS (default 3), BENCH_GB (size of the transfer in GiB, default 1), BENCH_CONN_SECONDS
 * (length of each short-connection run, default 4), BENCH_CONCURRENCY (open short connections at once, default 50).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { CliProcess, freePort, TempConfigDir } from '../support/cli-process.js';
import { startHaproxy, waitConnectable } from './lib/haproxy-reference.js';

const MB = 1024 * 1024;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const SIZE = Math.round(Number(process.env.BENCH_GB ?? 1) * 1024 * MB);
const CONN_SECONDS = Number(process.env.BENCH_CONN_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const CHUNK = Buffer.alloc(256 * 1024, 'pixelated empathy ');

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Writes SIZE bytes of CHUNK to `socket`, waiting for 'drain' when it asks, then calls `done`. */
function writeSize(socket: net.Socket, done: () => void): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < SIZE) {
      const part = CHUNK.subarray(0, Math.min(CHUNK.length, SIZE - sent));
      sent += part.length;
      if (!socket.write(part)) return void socket.once('drain', pump);
    }
    done();
  };
  pump();
}

/** A server-first backend: `s` asks for SIZE bytes, `u` sends SIZE bytes (answered `done`), anything else is answered `ok` and closed. */
function backend(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.once('data', (first) => {
      if (first[0] === 0x75) {
        let received = first.length - 1;
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= SIZE) socket.end('done');
        });
        return;
      }
      if (first[0] !== 0x73) {
        socket.end('ok\n');
        return;
      }
      writeSize(socket, () => socket.end());
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN without one. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses; in clock ticks (100 per second).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs one transfer and returns its MB/s and the proxy's CPU seconds per GiB moved. */
async function measured(target: Proxy, run: (port: number) => Promise<number>): Promise<{ mbps: number; cpuPerGb: number }> {
  const before = cpuSeconds(target.pid);
  const mbps = await run(target.port);
  return { mbps, cpuPerGb: (cpuSeconds(target.pid) - before) / (SIZE / (1024 * MB)) };
}

/** MB/s of one SIZE transfer through `port`. */
function transfer(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let received = 0;
    const socket = net.connect(port, '127.0.0.1', () => socket.write('s'));
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', reject);
    socket.on('close', () => {
      if (received !== SIZE) return reject(new Error(`expected ${SIZE} bytes, got ${received}`));
      resolve(SIZE / MB / (Number(process.hrtime.bigint() - started) / 1e9));
    });
  });
}

/** MB/s of one SIZE upload through `port`: the client writes, the backend counts and answers `done`. */
function upload(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('u');
      writeSize(socket, () => undefined);
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', reject);
    socket.on('close', () => {
      if (answer !== 'done') return reject(new Error(`expected the backend's "done", got ${JSON.stringify(answer)}`));
      resolve(SIZE / MB / (Number(process.hrtime.bigint() - started) / 1e9));
    });
  });
}

/** Connections per second, each one `x` → `ok` → closed, CONCURRENCY at a time for CONN_SECONDS. */
async function shortConnections(port: number): Promise<{ perSecond: number; failed: number }> {
  const deadline = Date.now() + CONN_SECONDS * 1000;
  let done = 0;
  let failed = 0;
  const one = (): Promise<void> => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('x'));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (answer === 'ok\n') done++;
      else failed++;
      resolve();
    });
  });
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) await one();
  }));
  return { perSecond: done / ((Date.now() - started) / 1000), failed };
}

interface Proxy {
  readonly name: string;
  readonly port: number;
  /** The proxy's process, whose CPU time is read around each transfer (none for the direct path). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

async function startEdge(backendPort: number): Promise<Proxy> {
  const port = await freePort();
  const dir = new TempConfigDir();
  dir.write('dynamic.yml', [
    'tcp:',
    '  routers: { app: { rule: "HostSNI(`*`)", entryPoints: [tcp], service: app } }',
    `  services: { app: { loadBalancer: { servers: [{ address: "127.0.0.1:${backendPort}" }] } } }`,
  ].join('\n'));
  dir.write('traefik.yml', `entryPoints:\n  tcp:\n    address: "127.0.0.1:${port}"\nproviders:\n  file:\n    filename: ${JSON.stringify(dir.file('dynamic.yml'))}\nlog:\n  level: INFO\n  format: json\n`);
  const edge = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  await edge.waitListening(1, 10_000);
  await waitConnectable(port);
  return {
    name: 'pe-edge (HostSNI(`*`) TCP router)',
    port,
    pid: edge.pid,
    stop: async () => {
      await edge.stop();
      dir.remove();
    },
  };
}

async function main(): Promise<void> {
  const server = await backend();
  const backendPort = (server.address() as net.AddressInfo).port;
  const haproxy = await startHaproxy(backendPort, 'tcp');
  if (haproxy === null) console.log('HAProxy is not installed (apt-get install -y haproxy): its row is skipped');
  const edge = await startEdge(backendPort);
  const targets: Proxy[] = [{ name: 'direct', port: backendPort, pid: undefined, stop: async () => undefined }, ...(haproxy === null ? [] : [haproxy]), edge];
  const mbps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const up = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const downCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const upCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const cps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  let failures = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order, so no target always runs on a warmer (or busier) machine.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const r = await measured(t, transfer);
        mbps.get(t.name)?.push(r.mbps);
        downCpu.get(t.name)?.push(r.cpuPerGb);
      }
      for (const t of order) {
        const r = await measured(t, upload);
        up.get(t.name)?.push(r.mbps);
        upCpu.get(t.name)?.push(r.cpuPerGb);
      }
      for (const t of order) {
        const r = await shortConnections(t.port);
        failures += r.failed;
        cps.get(t.name)?.push(r.perSecond);
      }
    }
  } finally {
    for (const t of targets) await t.stop();
    server.close();
  }
  const ref = haproxy === null ? null : haproxy.name;
  console.log(`Method: one ${Math.round(SIZE / MB)} MB transfer per target and round (the backend writes, the client reads; both in this process), one`);
  console.log(`${Math.round(SIZE / MB)} MB upload (the client writes, the backend reads), then`);
  console.log(`short connections (connect, 1 byte, a 3-byte answer, close; ${CONCURRENCY} at once for ${CONN_SECONDS} s). ${ROUNDS} rounds, order`);
  console.log('alternating; each figure is the median over the rounds. Client, backend and proxies share this machine\'s cores: compare ratios.');
  console.log('CPU s/GiB: the proxy\'s own CPU time (user + system, /proc) per GiB moved, steadier than MB/s on a shared machine.');
  console.log('| target | transfer MB/s | vs HAProxy | CPU s/GiB | upload MB/s | vs HAProxy | CPU s/GiB | connections/s | vs HAProxy |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) {
    const m = median(mbps.get(t.name) ?? []);
    const u = median(up.get(t.name) ?? []);
    const c = median(cps.get(t.name) ?? []);
    const rm = ref === null ? NaN : median(mbps.get(ref) ?? []);
    const ru = ref === null ? NaN : median(up.get(ref) ?? []);
    const rc = ref === null ? NaN : median(cps.get(ref) ?? []);
    const dc = median(downCpu.get(t.name) ?? []);
    const uc = median(upCpu.get(t.name) ?? []);
    const cpu = (v: number): string => (Number.isNaN(v) ? '' : v.toFixed(2));
    console.log(`| ${t.name} | ${m.toFixed(0)} | ${(m / rm).toFixed(2)} | ${cpu(dc)} | ${u.toFixed(0)} | ${(u / ru).toFixed(2)} | ${cpu(uc)} | ${c.toFixed(0)} | ${(c / rc).toFixed(2)} |`);
  }
  if (failures > 0) console.log(`short connections that did not get their answer: ${failures}`);
}

await main();
