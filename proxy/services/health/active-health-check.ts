import { H2CClient, request, type Agent } from 'undici';
import type { UpstreamTransport } from '../../forward/upstream-transport.js';
import { probeGrpcHealth } from './grpc-health-probe.js';

/** loadBalancer.healthCheck as the checker uses it (labels-spec applies Traefik's defaults). */
export interface HealthCheckOptions {
  path?: string | undefined;
  scheme?: string | undefined;
  /** `grpc`: gRPC Health Checking Protocol v1 instead of an HTTP request. */
  mode?: string | undefined;
  hostname?: string | undefined;
  port?: number | undefined;
  interval: number;
  /** v3.5: probe interval while a server is down; defaults to `interval`. */
  unhealthyInterval?: number | undefined;
  timeout: number;
  headers?: Readonly<Record<string, string>> | undefined;
  followRedirects?: boolean | undefined;
  method?: string | undefined;
  /** 0: any 2xx/3xx is healthy; otherwise exactly this status. */
  status?: number | undefined;
}

/** How probes reach the servers: the service's serversTransport, and an agent made from it. */
export interface ProbeDial {
  readonly agent: Agent;
  readonly transport: UpstreamTransport;
}

export type StatusListener = (serverUrl: string, up: boolean) => void;

const MAX_REDIRECTS = 10;

/**
 * Active health checks for one service's servers, as Traefik's: a probe per server every
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
    private readonly options: HealthCheckOptions,
    private readonly servers: readonly string[],
    readonly dial: ProbeDial,
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
    const next = result.up ? this.options.interval : (this.options.unhealthyInterval ?? this.options.interval);
    const timer = setTimeout(() => void this.probe(serverUrl), next);
    timer.unref();
    this.timers.set(serverUrl, timer);
  }

  private async check(serverUrl: string): Promise<{ up: boolean; reason: string }> {
    let target: URL;
    try {
      target = probeUrl(serverUrl, this.options);
    } catch (err) {
      return { up: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const o = this.options;
    if (o.mode === 'grpc') return probeGrpcHealth(target, o.timeout, this.dial.transport);
    const signal = AbortSignal.timeout(o.timeout);
    // An h2c:// server is probed in cleartext HTTP/2 (prior knowledge), as Traefik's transport for it does.
    const h2c = target.protocol === 'h2c:' ? new H2CClient(`http://${target.host}`) : null;
    if (h2c !== null) target = new URL(`http://${target.host}${target.pathname}${target.search}`);
    const h2cOrigin = target.origin;
    try {
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { ...(o.headers ?? {}) };
        if (o.hostname !== undefined && o.hostname !== '') headers.host = o.hostname;
        const dispatcher = h2c !== null && target.origin === h2cOrigin ? h2c : this.dial.agent;
        const res = await request(target, { method: (o.method === undefined || o.method === '' ? 'GET' : o.method) as 'GET', headers, signal, dispatcher });
        await res.body.dump();
        const location = res.headers.location;
        if (o.followRedirects !== false && res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && hop < MAX_REDIRECTS) {
          target = new URL(location, target);
          continue;
        }
        const up = o.status !== undefined && o.status !== 0 ? res.statusCode === o.status : res.statusCode >= 200 && res.statusCode < 400;
        return { up, reason: `HTTP status ${res.statusCode}` };
      }
    } catch (err) {
      return { up: false, reason: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) };
    } finally {
      h2c?.destroy().catch(() => undefined);
    }
  }
}

/** The probe URL: server URL with scheme/port replaced when set, path resolved against it (Go url.Parse). */
export function probeUrl(serverUrl: string, o: Pick<HealthCheckOptions, 'path' | 'scheme' | 'port'>): URL {
  const base = new URL(serverUrl);
  if (o.scheme !== undefined && o.scheme !== '') base.protocol = o.scheme + ':';
  if (o.port !== undefined && o.port !== 0) base.port = String(o.port);
  return o.path === undefined || o.path === '' ? base : new URL(o.path, base);
}
