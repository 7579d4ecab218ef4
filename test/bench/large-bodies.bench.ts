/**
 * Large bodies through pe-edge (the performance issue's goal 6): a 100 MB download and a 100 MB upload, streamed
 * through the real CLI and directly to the same backend in one run, with pe-edge's RSS sampled meanwhile; and a
 * 10 MB text download through `compress`. A script, not a test: prints a table and its method, asserts nothing.
 *   npx tsc -b && node dist/test/bench/large-bodies.bench.js
 * Environment: BENCH_ROUNDS (default 5), BENCH_WARMUP (untimed transfers each way before a row's rounds, default 3), BENCH_ROWS (comma-separated subset of download,upload,gzip),
 * BENCH_CPU_QUOTA (CPUs, e.g. 0.6: this process and each pe-edge each held to that share of the machine by a cgroup
 * quota, lib/cpu-quota.ts, standing in for a core each, which a 2-core machine cannot give the client and backend,
 * pe-edge, and the kernel's loopback work at once; root only),
 * PE_EDGE_NODE_ARGS (node flags for the pe-edge process, space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`),
 * BENCH_EDGE_LOG (a path prefix: each row's pe-edge stdout and stderr go to `<prefix>.<row>` once it stopped),
 * BENCH_REFERENCE=0 (no HAProxy beside pe-edge in the download and upload rows; lib/haproxy-reference.ts),
 * BENCH_HAPROXY_SPLICE=1 (HAProxy with `option splice-auto`).
 * CPU times come from /proc/<pid>/task/<tid>/schedstat (nanoseconds a thread ran), not /proc/<pid>/stat's 10 ms
 * ticks, which were a tenth of a 100 MB transfer's cost. Besides pe-edge's CPU (all threads) the table gives the CPU
 * of the one thread each side moves the bytes on: pe-edge's main thread, and this process's (its client and backend
 * share it) during the direct and the proxied run. Each side's thread does the same socket reads and writes, so the
 * busier one bounds the proxied run: when pe-edge's exceeds the direct run's, the ratio cannot reach 1 even on an
 * idle machine. Untimed transfers each way (direct, then proxied; BENCH_WARMUP of each) precede a row's rounds: the
 * first round otherwise timed node's compilation of this script's client and backend on the direct side (that
 * round's ratio was often 1-1.7, against 0.5-0.9 for the rest), and the next few pe-edge's own tiering up.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import type { AddressInfo } from 'node:net';
import { CliProcess, freePort, TempConfigDir } from '../support/cli-process.js';
import { IMAGE_NODE_FLAGS } from '../../operator/workers/young-generation.js';
import { QuotaGroup, throttledShare, type ThrottleCount } from './lib/cpu-quota.js';
import { startHaproxy, type HaproxyReference } from './lib/haproxy-reference.js';

const MB = 1024 * 1024;
const SIZE = 100 * MB;
const TEXT_SIZE = 10 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 'pixelated empathy ');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
// Three untimed transfers each way, not one: after one, pe-edge's first timed downloads ran at 0.56-0.68 of direct
// and the later ones 0.8-1.06, with a third more CPU (V8's background threads: compilation, marking) than after five
// (62 ms per 100 MB against 45-50, its main thread alike), 2026-12-07. A proxy that has served a while is warm.
const WARMUP = Math.max(1, Number(process.env.BENCH_WARMUP ?? 3));
const ROWS = new Set((process.env.BENCH_ROWS ?? 'download,upload,gzip').split(',').map((s) => s.trim()));
const SAMPLE_MS = 20;
const QUOTA = quotaSetting(process.env.BENCH_CPU_QUOTA);

function quotaSetting(text: string | undefined): number | null {
  if (text === undefined || text === '') return null;
  const cores = Number(text);
  if (!(cores >= 0.1 && cores <= 8)) throw new Error(`BENCH_CPU_QUOTA must be a number of CPUs, 0.1..8 (got '${text}')`);
  return cores;
}

function backend(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let received = 0;
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.end(String(received)));
      return;
    }
    const total = req.url === '/text' ? TEXT_SIZE : SIZE;
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

/** The CPU time one thread of a process ran so far, ms (/proc/<pid>/task/<tid>/schedstat, in nanoseconds). */
function threadCpuMs(pid: number, tid: number | string): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** The CPU time all live threads of a process ran so far, ms (V8's and libuv's threads live as long as it). */
function processCpuMs(pid: number): number {
  let sum = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += threadCpuMs(pid, tid);
    } catch (err) {
      // A thread that ended between the listing and the read; anything else (no schedstat on this kernel) stops the script.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH') throw err;
    }
  }
  return sum;
}

/**
 * CPU time the whole machine spent busy so far, ms (/proc/stat's first line: user, nice, system, irq, softirq and
 * steal, in 10 ms ticks): the kernel's share of a loopback transfer runs on whichever core, in no thread of ours.
 */
function machineBusyMs(): number {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) * 10;
}

/** This process's main thread: the one its client and backend run on. */
const benchThreadMs = (): number => threadCpuMs(process.pid, process.pid);

function download(port: number, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: { host: 'big.test', ...headers }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(bytes));
    }).once('error', reject);
  });
}

function upload(port: number, size = SIZE): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/up', headers: { host: 'big.test', 'content-length': String(size) }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(Number(body)));
    });
    req.once('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const part = CHUNK.subarray(0, Math.min(CHUNK.length, size - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

interface Row {
  readonly name: string;
  readonly direct: () => Promise<number>;
  readonly proxied: (port: number) => Promise<number>;
  /** The bytes a run counts (the uncompressed size when the client receives it compressed). */
  readonly bodyBytes: number;
  /** Whether HAProxy moves this row's bytes too (not the gzip row: it compresses nothing here). */
  readonly withReference: boolean;
  readonly directMbps: number[];
  readonly proxiedMbps: number[];
  readonly ratios: number[];
  /** The same transfer through HAProxy: MB/s, its ratio to the direct run of the same round, HAProxy's CPU time (ms). */
  readonly referenceMbps: number[];
  readonly referenceRatios: number[];
  readonly referenceCpu: number[];
  /** pe-edge's RSS peak during the proxied run, over its RSS at idle before any traffic (MB). */
  readonly overIdle: number[];
  /** The same peak over its RSS right before that run (MB). */
  readonly overStart: number[];
  /** pe-edge's CPU time during the proxied run, ms: all its threads, and its main thread alone. */
  readonly cpu: number[];
  readonly edgeMainCpu: number[];
  /** This process's main thread CPU time (client and backend) during the direct and the proxied run, ms. */
  readonly benchDirectCpu: number[];
  readonly benchProxiedCpu: number[];
  /** Cores the whole machine kept busy during the direct and the proxied run (busy CPU time over wall time). */
  readonly machineDirect: number[];
  readonly machineProxied: number[];
  /** With BENCH_CPU_QUOTA: the share of periods this process was throttled in, direct and proxied, and pe-edge. */
  readonly benchThrottledDirect: number[];
  readonly benchThrottledProxied: number[];
  readonly edgeThrottled: number[];
}

/** This process's quota group (BENCH_CPU_QUOTA), and each pe-edge's while it runs. */
let benchGroup: QuotaGroup | null = null;
const noCount: ThrottleCount = { periods: 0, throttled: 0 };
const throttleCount = (group: QuotaGroup | null): ThrottleCount => group?.throttleCount() ?? noCount;

/** pe-edge's CLI on a free port, routing big.test to the backend (and /text through `compress`). */
class Edge {
  readonly port: number;
  readonly process: CliProcess;
  readonly pid: number;
  private constructor(port: number, edge: CliProcess, pid: number, private readonly dir: TempConfigDir, readonly group: QuotaGroup | null) {
    this.port = port;
    this.process = edge;
    this.pid = pid;
  }

  static async start(backendPort: number): Promise<Edge> {
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
    // As the image runs it, unless PE_EDGE_NODE_ARGS says otherwise ('' for node's defaults).
    const nodeArgs = (process.env.PE_EDGE_NODE_ARGS ?? IMAGE_NODE_FLAGS.join(' ')).split(' ').filter((a) => a !== '');
    const edge = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, nodeArgs });
    await edge.waitListening(1, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    if (edge.pid === undefined) throw new Error('pe-edge did not start');
    let group: QuotaGroup | null = null;
    if (QUOTA !== null) {
      group = QuotaGroup.create(`edge-${edge.pid}`, QUOTA);
      group.add(edge.pid);
    }
    return new Edge(port, edge, edge.pid, dir, group);
  }

  async stop(logName: string): Promise<void> {
    await this.process.stop();
    this.group?.remove();
    const log = process.env.BENCH_EDGE_LOG;
    if (log !== undefined) writeFileSync(`${log}.${logName}`, [...this.process.stdout, ...this.process.stderr].join('\n') + '\n');
    this.dir.remove();
  }
}

/**
 * Runs one transfer: its MB/s, after pushing this process's main thread CPU time during it onto `benchCpu` and the
 * cores the machine kept busy meanwhile onto `cores`.
 */
const timed = async (run: () => Promise<number>, bytes: number, expected: number | null, benchCpu: number[], cores: number[], throttled: number[] = []): Promise<number> => {
  const started = process.hrtime.bigint();
  const cpuBefore = benchThreadMs();
  const machineBefore = machineBusyMs();
  const throttleBefore = throttleCount(benchGroup);
  const got = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  benchCpu.push(benchThreadMs() - cpuBefore);
  cores.push((machineBusyMs() - machineBefore) / 1000 / seconds);
  throttled.push(throttledShare(throttleBefore, throttleCount(benchGroup)));
  if (expected !== null && got !== expected) throw new Error(`expected ${expected} bytes, got ${got}`);
  return bytes / MB / seconds;
};

/** All rounds of one row on a pe-edge process of its own, so its RSS growth is that row's. */
async function measure(row: Row, backendPort: number, reference: HaproxyReference | null): Promise<number> {
  const edge = await Edge.start(backendPort);
  const pid = edge.pid;
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), SAMPLE_MS);
  try {
    const check = row.name.includes('gzip') ? null : SIZE;
    const proxiedRun = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 2 * SAMPLE_MS));
      const before = rssMb(pid);
      peak = before;
      const cpuBefore = processCpuMs(pid);
      const mainBefore = threadCpuMs(pid, pid);
      const edgeThrottleBefore = throttleCount(edge.group);
      const mbps = await timed(() => row.proxied(edge.port), row.bodyBytes, check, row.benchProxiedCpu, row.machineProxied, row.benchThrottledProxied);
      row.edgeThrottled.push(throttledShare(edgeThrottleBefore, throttleCount(edge.group)));
      row.cpu.push(processCpuMs(pid) - cpuBefore);
      row.edgeMainCpu.push(threadCpuMs(pid, pid) - mainBefore);
      peak = Math.max(peak, rssMb(pid));
      row.overIdle.push(peak - idle);
      row.overStart.push(peak - before);
      return mbps;
    };
    const referenceRun = async (port: number, pid: number): Promise<number> => {
      const cpuBefore = processCpuMs(pid);
      const mbps = await timed(() => row.proxied(port), row.bodyBytes, check, [], []);
      row.referenceCpu.push(processCpuMs(pid) - cpuBefore);
      return mbps;
    };
    const ref = row.withReference ? reference : null;
    // Untimed: the first transfers each way compile the code they run (V8 tiers pe-edge's up over several).
    for (let i = 0; i < WARMUP; i++) {
      await timed(row.direct, row.bodyBytes, check, [], []);
      await timed(() => row.proxied(edge.port), row.bodyBytes, check, [], []);
      if (ref !== null) await timed(() => row.proxied(ref.port), row.bodyBytes, check, [], []);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Each in turn goes first, so none always runs on a warmer (or busier) machine.
      let d = 0;
      let p = 0;
      let h = 0;
      const runs = [
        async () => void (d = await timed(row.direct, row.bodyBytes, check, row.benchDirectCpu, row.machineDirect, row.benchThrottledDirect)),
        async () => void (p = await proxiedRun()),
        ...(ref === null ? [] : [async () => void (h = await referenceRun(ref.port, ref.pid))]),
      ];
      for (let i = 0; i < runs.length; i++) await runs[(round + i) % runs.length]!();
      row.directMbps.push(d);
      row.proxiedMbps.push(p);
      row.ratios.push(p / d);
      if (ref !== null) {
        row.referenceMbps.push(h);
        row.referenceRatios.push(h / d);
      }
    }
    return idle;
  } finally {
    clearInterval(sampler);
    await edge.stop(row.name.split(' ')[2] ?? 'row');
  }
}

async function main(): Promise<void> {
  const server = await backend();
  const backendPort = (server.address() as AddressInfo).port;
  const rows: Row[] = [];
  const add = (name: string, direct: () => Promise<number>, proxied: (port: number) => Promise<number>, bodyBytes: number, withReference = true): void => {
    rows.push({ name, direct, proxied, bodyBytes, withReference, directMbps: [], proxiedMbps: [], ratios: [], referenceMbps: [], referenceRatios: [], referenceCpu: [], overIdle: [], overStart: [], cpu: [], edgeMainCpu: [], benchDirectCpu: [], benchProxiedCpu: [], machineDirect: [], machineProxied: [], benchThrottledDirect: [], benchThrottledProxied: [], edgeThrottled: [] });
  };
  if (ROWS.has('download')) add('100 MB download', () => download(backendPort, '/big'), (port) => download(port, '/big'), SIZE);
  if (ROWS.has('upload')) add('100 MB upload', () => upload(backendPort), (port) => upload(port), SIZE);
  if (ROWS.has('gzip')) add('10 MB text download, gzip', () => download(backendPort, '/text'), (port) => download(port, '/text', { 'accept-encoding': 'gzip' }), TEXT_SIZE, false);
  const idle: number[] = [];
  const reference = rows.some((r) => r.withReference) && process.env.BENCH_REFERENCE !== '0' ? await startHaproxy(backendPort, 'http') : null;
  let referenceGroup: QuotaGroup | null = null;
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  if (QUOTA !== null) {
    benchGroup = QuotaGroup.create('bench', QUOTA);
    benchGroup.add(process.pid);
    if (reference !== null) {
      referenceGroup = QuotaGroup.create('haproxy', QUOTA);
      referenceGroup.add(reference.pid);
    }
  }
  try {
    for (const row of rows) idle.push(await measure(row, backendPort, reference));
  } finally {
    await reference?.stop();
    referenceGroup?.remove();
    server.close();
    if (benchGroup !== null) {
      QuotaGroup.leave(process.pid);
      benchGroup.remove();
    }
  }
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const f0 = (v: number): string => v.toFixed(0);
  console.log(`Method: each row on a fresh pe-edge CLI process (a child of this one); ${WARMUP} untimed transfer(s) each way, then ${ROUNDS} rounds per row, each one run directly`);
  console.log('(client → backend) and one through pe-edge (client → pe-edge → backend), each in turn going first. The client');
  console.log('and the backend share this process. Each figure is the median over the rounds (the ratio is the median of each');
  console.log(`round's ratio, listed in brackets). pe-edge's RSS (/proc VmRSS) is sampled every ${SAMPLE_MS} ms; "over idle" is its peak`);
  console.log('during a proxied run minus its RSS before any traffic (median, and the largest), "over start" minus its RSS just');
  console.log('before that run; "pe-edge CPU" is the time its threads ran during a proxied run (all; its main thread), and');
  console.log('"bench thread CPU" the time this process\'s main thread (client and backend) ran during the direct and the proxied');
  console.log('run (/proc/<pid>/task/<tid>/schedstat): less sensitive to a busy machine than throughput. The busier main thread');
  console.log('bounds the proxied run. "Machine busy" is the cores the whole machine kept busy during the direct and the proxied run');
  console.log(`(/proc/stat, all processes and the kernel, 10 ms ticks; ${cpus().length} cores here): a proxied run near all of them measured`);
  console.log('the machine, not pe-edge.');
  if (QUOTA !== null) {
    console.log(`CPU quotas (BENCH_CPU_QUOTA=${QUOTA}): this process (client and backend) and each pe-edge were each held to ${QUOTA} CPU by a cgroup`);
    console.log('quota of their own (10 ms periods), standing in for a core each; "throttled" is the share of periods in which each used its');
    console.log('quota up and waited (this process direct, proxied; pe-edge): near 100 % means the quota bound it, as a core would.');
  }
  if (reference === null) {
    console.log('No HAProxy reference (BENCH_REFERENCE=0, or not installed: apt-get install -y haproxy).');
  } else {
    console.log(`Reference: ${reference.name}, the same transfers in the same rounds (order rotating among the three), "HAProxy ratio" its`);
    console.log('MB/s over the direct run\'s of each round, "HAProxy CPU" the time its process ran during its run. Its configuration:');
    console.log(reference.config.trimEnd().split('\n').map((line) => `    ${line}`).join('\n'));
  }
  console.log(`Load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after. pe-edge RSS at idle: ${idle.map(f0).join(', ')} MB`);
  const quotaHead = QUOTA === null ? '' : ' throttled: direct, proxied; pe-edge |';
  const refHead = reference === null ? '' : ' through HAProxy | HAProxy ratio (per round) | HAProxy CPU |';
  console.log(`| body | direct | through pe-edge | ratio (per round) | RSS peak over idle: median (max) | over start of run | pe-edge CPU: all (main thread) | bench thread CPU: direct, proxied | machine busy (cores): direct, proxied |${quotaHead}${refHead}`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|${QUOTA === null ? '' : '---:|'}${reference === null ? '' : '---:|---:|---:|'}`);
  const pct = (shares: number[]): string => `${f0(100 * median(shares))} %`;
  for (const r of rows) {
    const quotaCell = QUOTA === null ? '' : ` ${pct(r.benchThrottledDirect)}, ${pct(r.benchThrottledProxied)}; ${pct(r.edgeThrottled)} |`;
    const refCell = reference === null ? '' : !r.withReference ? ' | | |' : ` ${f0(median(r.referenceMbps))} MB/s | ${median(r.referenceRatios).toFixed(2)} (${r.referenceRatios.map((x) => x.toFixed(2)).join(' ')}) | ${f0(median(r.referenceCpu))} ms |`;
    console.log(`| ${r.name} | ${f0(median(r.directMbps))} MB/s | ${f0(median(r.proxiedMbps))} MB/s | ${median(r.ratios).toFixed(2)} (${r.ratios.map((x) => x.toFixed(2)).join(' ')}) | ${f0(median(r.overIdle))} MB (${f0(Math.max(...r.overIdle))}) | ${f0(median(r.overStart))} MB | ${f0(median(r.cpu))} ms (${f0(median(r.edgeMainCpu))}) | ${f0(median(r.benchDirectCpu))} ms, ${f0(median(r.benchProxiedCpu))} ms | ${median(r.machineDirect).toFixed(1)}, ${median(r.machineProxied).toFixed(1)} |${quotaCell}${refCell}`);
  }
}

await main();
