import type Docker from 'dockerode';
import { allowsNonRunning, type DockerProviderConfig, type DynamicConfig } from '../../../labels-spec/index.js';
import type { ContainerResult, DockerProviderOptions } from './container-config.js';
import { ContainerConfigs } from './container-configs.js';
import { afterStop, containersToInspect } from './container-listing.js';
import { hostGatewayAddress } from './host-gateway.js';
import { compileConstraints, type ContainerConstraint } from './constraints.js';
import { toContainerView, type ContainerView } from './container-view.js';
import { engineHint } from './engine-hint.js';
import { followEngine } from './engine-follow.js';
import { dockerClient } from './docker-connection.js';
import { followContainerEvents, type ContainerEvent } from './docker-events.js';
import { mergeContainers } from './merge-containers.js';
import { ContainerReport } from './container-report.js';
import { leavesPool } from './leaving-events.js';

export interface ProviderLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface DockerSnapshot {
  config: DynamicConfig;
  containers: readonly ContainerResult[];
  /** Merge conflicts (same router/service defined differently by two containers). */
  errors: readonly string[];
  /** The Docker event that caused this snapshot, null for a (re)sync. */
  cause: ContainerEvent | null;
}

const JOIN = new Set(['start', 'restart', 'unpause', 'health_status: healthy', 'rename', 'update']);

/** Whether the provider reaches its engine; when not, the error and what to do about it. */
export type EngineState = { reachable: true } | { reachable: false; error: string; hint: string };

/**
 * The Docker provider: lists containers once, then follows the /events stream (no polling). A stopping
 * container leaves on `kill`, before its process acts on the signal, so it takes no new request; a
 * starting one joins on `start` (or `healthy` when it has a HEALTHCHECK). If the engine goes away the
 * last configuration keeps serving while the provider reconnects with backoff and resyncs.
 */
export class DockerProvider {
  private readonly docker: Docker;
  private readonly containers = new Map<string, ContainerView>();
  /** Bumped on every event per container, so a slow inspect never undoes a later kill. */
  private readonly generation = new Map<string, number>();
  private readonly reports: ContainerReport;
  /** Each container's contribution, its labels decoded once (not again on every event). */
  private readonly configs: ContainerConfigs;
  /** Read by every containerConfig call; hostGateway is filled in once per connection when a host-network container appears. */
  private readonly containerOptions: DockerProviderOptions;
  private hostGatewayResolved = false;

  constructor(
    private readonly options: DockerProviderConfig,
    private readonly onSnapshot: (s: DockerSnapshot) => void,
    private readonly log: ProviderLog,
    private readonly signal: AbortSignal,
    /** Hears whether the engine answers: after each sync, and after each failed connection (with what to do). */
    private readonly onEngine: (state: EngineState) => void = () => undefined,
  ) {
    this.docker = dockerClient(options.endpoint, options.httpClientTimeout);
    this.containerOptions = { ...options, constraint: constraintOrReject(options.constraints, log) };
    this.configs = new ContainerConfigs(this.containerOptions);
    this.reports = new ContainerReport(log);
  }

  /** Connects and keeps following; resolves after the first sync attempt (successful or not). */
  start(): Promise<void> {
    return followEngine({
      provider: 'docker',
      watch: this.options.watch,
      signal: this.signal,
      log: this.log,
      connectOnce: (onSynced) => this.connectOnce(onSynced),
      describe: (err) => ({
        error: `Docker engine unreachable at ${this.options.endpoint}: ${err instanceof Error ? err.message : String(err)}`,
        hint: engineHint(this.options.endpoint, err),
      }),
      onEngine: (state) => this.onEngine(state),
    });
  }

  /** One connection: subscribe to events, list and inspect everything, then apply events until the stream ends. */
  private async connectOnce(onSynced: () => void): Promise<void> {
    const queued: ContainerEvent[] = [];
    let synced = false;
    let endStream: (err: Error | null) => void = () => undefined;
    const ended = new Promise<Error | null>((resolve) => { endStream = resolve; });
    if (this.options.watch) {
      await followContainerEvents(this.docker, (e) => (synced ? void this.onEvent(e) : queued.push(e)), endStream, this.signal);
    }
    // Stopped containers are inspected only when they ask to stay routed (traefik.docker.allownonrunning).
    const ids = containersToInspect(await this.docker.listContainers({ all: true }));
    const views = await Promise.all(ids.map((id) => this.inspect(id)));
    this.containers.clear();
    for (const v of views) if (v !== null) this.containers.set(v.id, v);
    this.hostGatewayResolved = false;
    await this.resolveHostGateway(views);
    const running = [...this.containers.values()].filter((v) => v.running).length;
    const stopped = this.containers.size - running;
    this.log.info(`Docker provider synced: ${running} running container(s)${stopped > 0 ? `, ${stopped} stopped with traefik.docker.allownonrunning` : ''}`, { provider: 'docker' });
    this.emit(null);
    synced = true;
    onSynced();
    for (const e of queued) await this.onEvent(e);
    if (!this.options.watch) return;
    const err = await ended;
    if (err !== null) throw err;
  }

  private async inspect(id: string): Promise<ContainerView | null> {
    try {
      return toContainerView(await this.docker.getContainer(id).inspect());
    } catch {
      return null; // gone between list and inspect
    }
  }

  private async onEvent(e: ContainerEvent): Promise<void> {
    if (e.id === '') return;
    const gen = (this.generation.get(e.id) ?? 0) + 1;
    this.generation.set(e.id, gen);
    const current = this.containers.get(e.id);
    if (leavesPool(e)) {
      if (current === undefined) return;
      if (e.action === 'pause') this.containers.set(e.id, { ...current, paused: true });
      else if (e.action.startsWith('health_status')) this.containers.set(e.id, { ...current, health: e.action === 'health_status: unhealthy' ? 'unhealthy' : 'starting' });
      else this.keepOrDrop(e.action === 'destroy' ? null : afterStop(current), e.id);
      this.emit(e);
      return;
    }
    if (JOIN.has(e.action)) {
      const view = await this.inspect(e.id);
      await this.resolveHostGateway([view]);
      if (this.generation.get(e.id) !== gen) return; // a later event already decided
      if (view === null || (!view.running && !allowsNonRunning(view.labels))) this.containers.delete(e.id);
      else this.containers.set(e.id, view);
      this.emit(e);
    }
  }

  /** Traefik looks up host.docker.internal / host.containers.internal for host-network containers; only when one exists. */
  private async resolveHostGateway(views: readonly (ContainerView | null)[]): Promise<void> {
    if (this.hostGatewayResolved || !views.some((v) => v?.networkMode === 'host')) return;
    this.hostGatewayResolved = true;
    this.containerOptions.hostGateway = await hostGatewayAddress();
    this.log.info(`Docker provider: host network mode containers are reached at ${this.containerOptions.hostGateway}`, { provider: 'docker' });
  }

  private keepOrDrop(view: ContainerView | null, id: string): void {
    if (view === null) this.containers.delete(id);
    else this.containers.set(id, view);
  }

  private emit(cause: ContainerEvent | null): void {
    const results = this.configs.results(this.containers.values());
    this.reports.report(results);
    const merged = mergeContainers(results);
    this.onSnapshot({ config: merged.config, containers: results, errors: merged.errors, cause });
  }
}

/** A constraints expression that does not parse keeps every container out, as in Traefik, and says why. */
export function constraintOrReject(expression: string, log: ProviderLog, provider: 'docker' | 'swarm' = 'docker'): ContainerConstraint {
  try {
    return compileConstraints(expression);
  } catch (err) {
    log.error(`providers.${provider}.constraints "${expression}": ${err instanceof Error ? err.message : String(err)}; no ${provider === 'docker' ? 'container' : 'service'} is routed until it is fixed`, { provider });
    return () => false;
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
