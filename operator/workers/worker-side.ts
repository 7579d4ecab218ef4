import type { Registry } from 'prom-client';
import type { SharedWithWorkers } from '../../proxy/index.js';
import { clusterScrape } from './cluster-metrics.js';
import { followProbed, tellProbed, type ServerState } from './health-over-ipc.js';
import { LeasedLimits } from './leased-limits.js';
import { ledgerOverIpc } from './limits-over-ipc.js';
import { shareTraffic } from './traffic-over-ipc.js';
import { PrimaryLink } from './worker-link.js';
import type { DashboardInsights } from '../../proxy/api/dashboard/insights.js';
import { TICKET_KEYS_TOPIC, WORKER_INDEX_ENV, WORKERS_ENV, workersListenAlone } from './workers.js';
import { adoptTicketKeys } from '../../proxy/tls/session-ticket-keys.js';

const TICKET_KEYS_TIMEOUT_MS = 10_000;

/** What one worker of `--workers` shares with the others, through the primary. */
export interface WorkerSide {
  /** Workers sharing the ports. */
  readonly count: number;
  /** Limits counted by the primary; health probed by the first worker only. */
  readonly shared: SharedWithWorkers;
  /** The scrape source showing every worker's metrics. */
  scrape(registry: Registry): () => Promise<string>;
  /** In the other workers: `apply` gets each state the probing worker finds. Nothing in the probing one. */
  followHealth(apply: (state: ServerState) => void): Promise<void>;
  /** The dashboard's charts show every worker's traffic. */
  shareTraffic(insights: DashboardInsights): void;
  /** Takes the primary's TLS session-ticket key; before any TLS server is made. */
  adoptTicketKeys(): Promise<void>;
  /** Tells the primary this worker serves: from now on its death is a crash to replace, not a failed start. */
  started(): void;
}

/** This process's side when it is a worker of `--workers` (the primary set its environment), else null. */
export function joinWorkers(env: NodeJS.ProcessEnv): WorkerSide | null {
  const count = Number(env[WORKERS_ENV] ?? '1') || 1;
  if (count <= 1) return null;
  const probes = (env[WORKER_INDEX_ENV] ?? '0') === '0';
  const link = new PrimaryLink();
  // What the probing worker last told, so only changes travel (a reload's new checker reports afresh).
  const told = new Map<string, boolean>();
  const onProbe = (service: string, server: string, up: boolean): void => {
    const key = `${service}\u0000${server}`;
    if (told.get(key) === up) return;
    told.set(key, up);
    tellProbed(link, { service, server, up });
  };
  return {
    count,
    shared: {
      limits: new LeasedLimits(ledgerOverIpc(link), count),
      probeHealth: probes,
      ...(probes ? { onProbe } : {}),
      listenAlone: workersListenAlone(process.versions.node, process.platform, env.NODE_CLUSTER_SCHED_POLICY),
    },
    scrape: (registry) => clusterScrape(registry, link),
    followHealth: (apply) => (probes ? Promise.resolve() : followProbed(link, apply)),
    shareTraffic: (insights) => shareTraffic(link, insights),
    adoptTicketKeys: async () => adoptTicketKeys(await link.call<unknown>(TICKET_KEYS_TOPIC, null, TICKET_KEYS_TIMEOUT_MS)),
    started: () => link.started(),
  };
}
