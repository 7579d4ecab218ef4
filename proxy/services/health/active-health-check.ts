import { timerMs } from '../../timer-bounds.js';
/** loadBalancer.healthCheck as the HTTP probe uses it (labels-spec applies Traefik's defaults). */
export interface HealthCheckOptions extends ProbeSchedule {
  path?: string | undefined;
  scheme?: string | undefined;
  /** `grpc`: gRPC Health Checking Protocol v1 instead of an HTTP request. */
  mode?: string | undefined;
  hostname?: string | undefined;
  port?: number | undefined;
  timeout: number;
  headers?: Readonly<Record<string, string>> | undefined;
  followRedirects?: boolean | undefined;
  method?: string | undefined;
  /** 0: any 2xx/3xx is healthy; otherwise exactly this status. */
  status?: number | undefined;
}

/** When a server is probed again (ms). */
export interface ProbeSchedule {
  interval: number;
  /** v3.5 (HTTP), v3.4 (TCP): probe interval while a server is down; defaults to `interval`. */
  unhealthyInterval?: number | undefined;
}

/** One probe of one server (an HTTP URL, a TCP address): whether it is up, and why, for the log. */
export type ServerProbe = (server: string) => Promise<{ up: boolean; reason: string }>;

export type StatusListener = (serverUrl: string, up: boolean) => void;

/**
 * Active health checks for one service's servers (HTTP URLs or TCP addresses), as Traefik's: a probe per server every
 * `interval` (`unhealthyInterval` while down). Unlike Traefik, the first probe runs at once and the
 * checker survives reloads that leave the service's check and servers unchanged, so a dead server is
 * neither served for a full interval after start nor resurrected by every configuration change.
 */
export class ActiveHealthCheck {
  private readonly status = new Map<string, boolean>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private listener: StatusListener | null = null;
  private stopped = false;

  constructor(
    readonly serviceName: string,
    private readonly schedule: ProbeSchedule,
    private readonly servers: readonly string[],
    private readonly check: ServerProbe,
    private readonly onTransition: (serviceName: string, serverUrl: string, up: boolean, reason: string) => void,
    private readonly onProbe: (serviceName: string, serverUrl: string, up: boolean) => void = () => undefined,
  ) {}

  start(): void {
    for (const url of this.servers) void this.probe(url);
  }

  /** Routes status changes to a (new) balancer and replays what is known, so a swap keeps health. */
  attach(listener: StatusListener): void {
    this.listener = listener;
    for (const [url, up] of this.status) listener(url, up);
  }

  /** UP/DOWN per server URL, for the API and metrics; servers not probed yet count as UP. */
  serverStatus(): Record<string, 'UP' | 'DOWN'> {
    const out: Record<string, 'UP' | 'DOWN'> = {};
    for (const url of this.servers) out[url] = this.status.get(url) === false ? 'DOWN' : 'UP';
    return out;
  }

  /** What the probes found so far, by server URL (servers not probed yet are absent). */
  known(): ReadonlyMap<string, boolean> {
    return this.status;
  }

  /** A state another process probed (`--workers`: one worker probes for all); unknown servers are ignored. */
  follow(serverUrl: string, up: boolean): void {
    if (!this.servers.includes(serverUrl)) return;
    this.status.set(serverUrl, up);
    this.listener?.(serverUrl, up);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async probe(serverUrl: string): Promise<void> {
    const result = await this.check(serverUrl);
    if (this.stopped) return;
    const before = this.status.get(serverUrl);
    this.status.set(serverUrl, result.up);
    if (before !== result.up && (before !== undefined || !result.up)) this.onTransition(this.serviceName, serverUrl, result.up, result.reason);
    this.listener?.(serverUrl, result.up);
    this.onProbe(this.serviceName, serverUrl, result.up);
    const next = result.up ? this.schedule.interval : (this.schedule.unhealthyInterval ?? this.schedule.interval);
    const timer = setTimeout(() => void this.probe(serverUrl), timerMs(next));
    timer.unref();
    this.timers.set(serverUrl, timer);
  }
}
