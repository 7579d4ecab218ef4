import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { availableParallelism } from 'node:os';
import { aggregateWorkerMetrics } from './cluster-metrics.js';
import { CRASH_LOOP_WINDOW_MS, CrashLoop } from './crash-loop.js';
import { relayHealth } from './health-over-ipc.js';
import { LimitLedger } from './limit-ledger.js';
import { serveLedger } from './limits-over-ipc.js';
import { relayTraffic } from './traffic-over-ipc.js';
import { WorkersLink } from './worker-link.js';
import { workerExecArgv } from './young-generation.js';
import { ticketKeysHandOff } from '../../proxy/tls/session-ticket-keys.js';

/**
 * `--workers=N` (pe-edge's own flag, not Traefik's): N processes share the entrypoint ports, each
 * running the whole edge (providers included), so one Node event loop is no longer the ceiling.
 * Returns the worker count and the argv without the flag.
 */
export function takeWorkersFlag(argv: readonly string[]): { workers: number; rest: string[] } {
  let workers = 1;
  const rest: string[] = [];
  for (const arg of argv) {
    const match = /^--workers=(\d+|auto)$/i.exec(arg);
    if (match === null) {
      rest.push(arg);
      continue;
    }
    workers = match[1]?.toLowerCase() === 'auto' ? availableParallelism() : Number(match[1]);
  }
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer or "auto"`);
  return { workers, rest };
}


/** Set by the primary in each worker's environment: the number of workers, and this worker's index (0 probes health). */
export const WORKERS_ENV = 'PE_EDGE_WORKERS';
export const WORKER_INDEX_ENV = 'PE_EDGE_WORKER_INDEX';
/** A worker asks the primary for the TLS session-ticket key and its period's start over IPC (worker-side.ts). */
export const TICKET_KEYS_TOPIC = 'tls-ticket-keys';

/**
 * Middleware types whose state still lives in one process under N workers. rateLimit and inFlightReq are counted
 * by the primary for all workers (limit-ledger.ts).
 */
const PER_PROCESS_STATE: Readonly<Record<string, string>> = {
  circuitBreaker: 'each worker measures and trips on its own share of the traffic',
};

/**
 * In a worker: one warning per middleware a router uses whose state is per process.
 * `middlewares` is the runtime's merged configuration (name → { type: options }).
 */
export function perProcessStateWarnings(workers: number, middlewares: Readonly<Record<string, Record<string, unknown>>>, used: (name: string) => boolean): string[] {
  if (workers <= 1) return [];
  const out: string[] = [];
  for (const [name, config] of Object.entries(middlewares)) {
    if (!used(name)) continue;
    for (const type of Object.keys(config)) {
      const what = PER_PROCESS_STATE[type];
      if (what !== undefined) out.push(`middleware "${name}": ${type} with --workers=${workers} is per process: ${what}`);
    }
  }
  return out;
}

/**
 * Who hands accepted connections to the workers. By default the kernel: every worker accepts on the shared port, so
 * the primary costs a connection nothing, but a burst of connections may all go to whichever worker wakes first, and
 * few long-lived ones (HTTP/2 clients, a CDN's or a load balancer's pool) may stay that uneven. node's own
 * `NODE_CLUSTER_SCHED_POLICY=rr` makes the primary accept them and hand them out in turn: even, for about 100 µs of
 * the primary's CPU and 120 µs more of the worker's per connection, all accepts on the primary's one thread
 * (docs/performance-history.md, 2026-12-06).
 */
export function connectionSpread(policy: string | undefined): number {
  return policy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
}

/**
 * Whether each worker listens on a socket of its own, bound with SO_REUSEPORT (node's `reusePort`, node 22.12 and
 * 23.1 on): the kernel then spreads connections among the workers by their addresses, as they arrive, so a burst
 * cannot all land on whichever worker woke first, and no process costs a connection anything. Linux only: other
 * systems either lack the option or give every connection to one socket. `NODE_CLUSTER_SCHED_POLICY=rr` keeps the
 * primary's hand-out; on older node the workers share the primary's socket (connectionSpread).
 */
export function workersListenAlone(nodeVersion: string, platform: string, policy: string | undefined): boolean {
  return platform === 'linux' && policy !== 'rr' && reusePortAvailable(nodeVersion);
}

/** Whether node `version` (as process.versions.node gives it) has `reusePort` for TCP listeners: 22.12+, 23.1+. */
export function reusePortAvailable(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Primary side: forks the workers, passes SIGTERM/SIGINT/SIGHUP/SIGUSR1 on, replaces a worker that dies after it
 * started, and resolves with exit code 0 once every worker has drained and exited after SIGTERM/SIGINT; 1 when a
 * worker failed to start, replacements kept dying (crash-loop.ts), or a worker failed to drain.
 */
export function superviseWorkers(count: number, log: Logger): Promise<number> {
  cluster.schedulingPolicy = connectionSpread(process.env.NODE_CLUSTER_SCHED_POLICY);
  const link = new WorkersLink();
  // A scrape reaching one worker shows every worker's metrics.
  aggregateWorkerMetrics(link);
  // Rate limits and in-flight requests are counted here for all workers; server states are relayed.
  serveLedger(link, new LimitLedger(), (listener) => cluster.on('exit', listener));
  relayHealth(link);
  relayTraffic(link);
  // One TLS session-ticket key for all, and the start of its period, asked for by each worker before it makes a TLS
  // server: a client reconnecting to another worker still resumes its session, and every process steps to the next
  // key at the same boundaries (the primary too). Over IPC, never in the environment, which /proc/<pid>/environ shows
  // for the worker's whole life (a key read there would open every ticket the worker issued).
  link.answer(TICKET_KEYS_TOPIC, () => ticketKeysHandOff());
  let stopping = false;
  let failed = false;
  // Workers run with V8's young generation sized for a proxy, whoever started the primary (see young-generation.ts).
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  const live = new Map<Worker, number>();
  // SIGHUP and SIGUSR1 for a worker still starting wait until it serves: node's default for them, before its
  // handlers are in, kills it or opens its inspector.
  const held = new Map<Worker, Set<NodeJS.Signals>>();
  link.whenStarted((worker) => {
    log.info({ worker: live.get(worker), pid: worker.process.pid }, `worker ${live.get(worker)} (pid ${worker.process.pid}) serving`);
    for (const signal of held.get(worker) ?? []) worker.process.kill(signal);
    held.delete(worker);
  });
  // Each worker learns how many share the ports, and which one it is (the first probes health for all); a
  // replacement takes its index, so a new worker 0 probes.
  // A replacement that dies before it serves counts as one more death (crash-loop.ts), not as a failed start: the
  // configuration served already, and the others still serve.
  const replacements = new WeakSet<Worker>();
  const fork = (index: number, replacing = false): void => {
    const worker = cluster.fork({ [WORKERS_ENV]: String(count), [WORKER_INDEX_ENV]: String(index) });
    live.set(worker, index);
    held.set(worker, new Set());
    if (replacing) replacements.add(worker);
  };
  for (let i = 0; i < count; i++) fork(i);
  const stopAll = (): void => {
    stopping = true;
    for (const worker of live.keys()) worker.process.kill('SIGTERM');
  };
  // SIGHUP (reload) and SIGUSR1 (reopen the access log) are passed on without stopping.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1'] as const) {
    process.on(signal, () => {
      const stop = signal === 'SIGTERM' || signal === 'SIGINT';
      if (stop) stopping = true;
      for (const worker of live.keys()) {
        if (stop || link.started(worker)) worker.process.kill(signal);
        else held.get(worker)?.add(signal);
      }
    });
  }
  const crashes = new CrashLoop();
  return new Promise((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const index = live.get(worker) ?? -1;
      live.delete(worker);
      held.delete(worker);
      const how = signal !== null ? `signal ${signal}` : `code ${code}`;
      const who = { worker: index, pid: worker.process.pid, code, signal };
      if (stopping) {
        // Stopping: a worker still starting dies of the SIGTERM itself; one that serves drains and exits 0.
        if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') failed = true;
      } else if (!link.started(worker) && !replacements.has(worker)) {
        // At start (a configuration error, a port taken): the edge stops with the worker's own message, instead
        // of a silent restart loop.
        log.error(who, `worker ${index} (pid ${worker.process.pid}) exited before its entrypoints listened (${how}); stopping pe-edge`);
        failed = true;
        stopAll();
      } else if (crashes.died(Date.now())) {
        log.error(who, `worker ${index} (pid ${worker.process.pid}) died (${how}): ${crashes.count} worker deaths within ${CRASH_LOOP_WINDOW_MS / 1000} s, a crash loop; stopping pe-edge`);
        failed = true;
        stopAll();
      } else {
        // A crash at runtime (a bug, an OOM kill, kill -9): only its connections are lost; a new worker takes its place.
        log.error(who, `worker ${index} (pid ${worker.process.pid}) died (${how}); starting a replacement`);
        fork(index, true);
      }
      if (live.size === 0) resolve(failed ? 1 : 0);
    });
  });
}
