import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { aggregateWorkerMetrics } from './cluster-metrics.js';

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


/** Set by the primary in each worker's environment: the number of workers. */
export const WORKERS_ENV = 'PE_EDGE_WORKERS';

/** Middleware types whose state lives in one process: under N workers each keeps its own. */
const PER_PROCESS_STATE: Readonly<Record<string, string>> = {
  rateLimit: 'each worker admits `average` on its own, up to N times the limit in all',
  inFlightReq: 'each worker counts its own requests, up to N times `amount` in all',
  circuitBreaker: 'each worker measures and trips on its own traffic',
};

/**
 * In a worker: one warning per middleware a router uses whose state is per process (`--workers` does not share it yet).
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
 * Primary side: forks the workers, passes SIGTERM/SIGINT/SIGHUP/SIGUSR1 on, and resolves with exit code 0
 * once every worker has drained and exited (non-zero if one failed to start).
 */
export function superviseWorkers(count: number): Promise<number> {
  // Let the kernel spread accepted connections: the primary must not relay every connection.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // A scrape reaching one worker shows every worker's metrics.
  aggregateWorkerMetrics();
  let stopping = false;
  let failed = false;
  // Each worker learns how many share the ports, to say what that means for per-process state.
  for (let i = 0; i < count; i++) cluster.fork({ [WORKERS_ENV]: String(count) });
  // SIGHUP (reload) and SIGUSR1 (reopen the access log) are passed on without stopping.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1'] as const) {
    process.on(signal, () => {
      if (signal === 'SIGTERM' || signal === 'SIGINT') stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
  return new Promise((resolve) => {
    cluster.on('exit', (_worker, code) => {
      if (code !== 0) failed = true;
      if (!stopping && code !== 0) {
        // A worker that dies on its own (e.g. a configuration error at start) takes the edge down
        // with the same message, instead of a silent restart loop.
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(failed ? 1 : 0);
    });
  });
}
