import type Docker from 'dockerode';
import { decodeLabels, type SwarmProviderConfig } from '../../../labels-spec/index.js';
import type { DockerProviderOptions } from '../docker/container-config.js';
import { ContainerConfigs } from '../docker/container-configs.js';
import { ContainerReport } from '../docker/container-report.js';
import type { ContainerView } from '../docker/container-view.js';
import { dockerClient } from '../docker/docker-connection.js';
import { followContainerEvents, type ContainerEvent } from '../docker/docker-events.js';
import { constraintOrReject, sleep, type DockerSnapshot, type EngineState, type ProviderLog } from '../docker/docker-provider.js';
import { leavesPool } from '../docker/leaving-events.js';
import { mergeContainers } from '../docker/merge-containers.js';
import { swarmEngineHint } from './swarm-hint.js';
import { followEngine } from '../docker/engine-follow.js';
import { listSwarm } from './swarm-listing.js';

/** The container label Swarm puts on a task's container: container events name their task by it. */
const TASK_LABEL = 'com.docker.swarm.task.id';
/** Container events after which the task list is read again: a task's state follows its container's a moment later. */
const TASK_JOINS = new Set(['start', 'restart', 'unpause', 'health_status: healthy']);
/** Re-reads after a joining event (ms): the manager marks the task running shortly after its container starts. */
const JOIN_RELISTS = [0, 500, 2_000];

/**
 * The Swarm provider (Traefik's providers.swarm): lists services and their running tasks, then keeps the list fresh
 * from Docker's event stream (service create/update/remove; the task containers' events on this node) and re-lists
 * every refreshSeconds as Traefik does, which also covers tasks on other nodes. A task whose container is killed,
 * stops or turns unhealthy leaves the pool on that event, before Swarm reports the task shut down.
 * Labels, validation, merging and reports are the Docker provider's, fed one view per task (or per service with
 * traefik.swarm.lbswarm=true).
 */
export class SwarmProvider {
  private readonly docker: Docker;
  private views: ContainerView[] = [];
  /** Tasks out of the pool since a container event, until the task list no longer has them (or they turn healthy). */
  private readonly held = new Map<string, string>();
  private readonly configs: ContainerConfigs;
  private readonly reports: ContainerReport;
  private readonly notesSeen = new Set<string>();
  private listing: Promise<void> | null = null;
  private listAgain = false;
  private synced = false;

  constructor(
    private readonly options: SwarmProviderConfig,
    private readonly onSnapshot: (s: DockerSnapshot) => void,
    private readonly log: ProviderLog,
    private readonly signal: AbortSignal,
    private readonly onEngine: (state: EngineState) => void = () => undefined,
  ) {
    this.docker = dockerClient(options.endpoint, options.httpClientTimeout);
    const containerOptions: DockerProviderOptions = { ...options, provider: 'swarm', constraint: constraintOrReject(options.constraints, log, 'swarm') };
    this.configs = new ContainerConfigs(containerOptions, (labels) => decodeLabels(labels, { provider: 'swarm' }));
    this.reports = new ContainerReport(log, 'swarm');
  }

  /** Connects and keeps following; resolves after the first sync attempt (successful or not). */
  start(): Promise<void> {
    return followEngine({
      provider: 'swarm',
      watch: this.options.watch,
      signal: this.signal,
      log: this.log,
      connectOnce: (onSynced) => this.connectOnce(onSynced),
      // The engine's own sentence ends with a period (and a space); the hint follows after one.
      describe: (err) => ({
        error: `Swarm provider cannot list services at ${this.options.endpoint}: ${(err instanceof Error ? err.message : String(err)).trim().replace(/\.$/, '')}`,
        hint: swarmEngineHint(this.options.endpoint, err),
      }),
      onEngine: (state) => this.onEngine(state),
    });
  }

  /** One connection: subscribe to events, list, then follow events and re-list every refreshSeconds until something fails. */
  private async connectOnce(onSynced: () => void): Promise<void> {
    this.synced = false;
    const queued: ContainerEvent[] = [];
    let endStream: (err: Error | null) => void = () => undefined;
    const ended = new Promise<Error | null>((resolve) => { endStream = resolve; });
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.options.watch) {
        await followContainerEvents(this.docker, (e) => (this.synced ? this.onEvent(e) : queued.push(e)), endStream, stop.signal, ['container', 'service']);
      }
      await this.relist(null);
      this.log.info(`Swarm provider synced: ${new Set(this.views.map((v) => v.swarmService)).size} service(s), ${this.views.length} routed task(s) or virtual IP(s)`, { provider: 'swarm' });
      this.synced = true;
      onSynced();
      for (const e of queued) this.onEvent(e);
      if (!this.options.watch) return;
      // Traefik's safety net: a full re-list every refreshSeconds; a failed one reconnects.
      const refreshed = this.refreshEvery(this.options.refreshSeconds, stop.signal);
      const err = await Promise.race([ended, refreshed]);
      if (err !== null) throw err;
    } finally {
      stop.abort();
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private async refreshEvery(ms: number, signal: AbortSignal): Promise<Error | null> {
    while (!signal.aborted) {
      await sleep(ms, signal);
      if (signal.aborted) return null;
      try {
        await this.requestList(null);
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    }
    return null;
  }

  private onEvent(e: ContainerEvent): void {
    if (e.type === 'service') {
      this.schedule(e, [0]);
      return;
    }
    const task = e.attributes[TASK_LABEL];
    if (task === undefined || task === '') return;
    // The Docker provider's leaving events take a task out of the pool at once, before Swarm's task list says so.
    if (leavesPool(e)) {
      this.hold(task, e);
      return;
    }
    if (TASK_JOINS.has(e.action)) {
      // A restarted or recovered container serves again once Swarm lists its task as running.
      this.held.delete(task);
      this.schedule(e, JOIN_RELISTS);
    }
  }

  /** Out of the pool now; in-flight requests finish on the runtime they started on. */
  private hold(task: string, e: ContainerEvent): void {
    const known = this.held.has(task);
    this.held.set(task, e.action);
    if (!known && this.views.some((v) => v.id === task)) this.emit(e);
  }

  private schedule(cause: ContainerEvent, delays: readonly number[]): void {
    for (const ms of delays) {
      setTimeout(() => {
        if (this.signal.aborted) return;
        this.requestList(cause).catch((err: unknown) => this.log.warn(`Swarm provider: re-listing after a ${cause.type ?? 'container'} event failed: ${err instanceof Error ? err.message : String(err)}; the next refresh retries`, { provider: 'swarm' }));
      }, ms).unref();
    }
  }

  /** One list at a time; a request during a list runs one more after it (never more than one waiting). */
  private async requestList(cause: ContainerEvent | null): Promise<void> {
    if (this.listing !== null) {
      this.listAgain = true;
      return this.listing;
    }
    this.listing = (async () => {
      try {
        do {
          this.listAgain = false;
          await this.relist(cause);
        } while (this.listAgain && !this.signal.aborted);
      } finally {
        this.listing = null;
      }
    })();
    return this.listing;
  }

  private async relist(cause: ContainerEvent | null): Promise<void> {
    const listing = await listSwarm(this.docker);
    for (const note of listing.notes) {
      if (!this.notesSeen.has(note)) this.log.warn(note, { provider: 'swarm' });
    }
    this.notesSeen.clear();
    for (const note of listing.notes) this.notesSeen.add(note);
    const ids = new Set(listing.views.map((v) => v.id));
    for (const id of this.held.keys()) if (!ids.has(id)) this.held.delete(id);
    this.views = listing.views;
    this.emit(cause);
  }

  private emit(cause: ContainerEvent | null): void {
    const routed = this.views.filter((v) => !this.held.has(v.id));
    const results = this.configs.results(routed);
    this.reports.report(results);
    const merged = mergeContainers(results, 'swarm');
    this.onSnapshot({ config: merged.config, containers: results, errors: merged.errors, cause });
  }
}
