import { UpstreamPools } from './forward/upstream-pools.js';
import { HealthChecks, type HealthTransition, type ProbeResult } from './services/health/health-checks.js';
import type { CarriedParts } from './runtime/carried-parts.js';
import { KeptState } from './runtime/kept-state.js';
import { EntryPoint, type EntryPointOptions } from './entrypoints/entrypoint.js';
import type { BuildInput, Lifecycle } from './runtime/build-input.js';
import { buildRuntime, buildRuntimeSteps } from './runtime/build.js';
import { CompiledRules } from './runtime/compiled-rules.js';
import { CarriedBalancers } from './services/carried-balancers.js';
import type { Runtime } from './runtime/runtime.js';
import type { SharedLimits } from './middlewares/traffic/shared-limits.js';
import type { BreakerTransition } from './middlewares/middleware-entry.js';
import { RedisConnections, type RedisLimitEvents } from './middlewares/traffic/redis-link.js';
import { isUdpAddress } from './udp/udp-routing.js';
import { UdpEntryPoint } from './udp/udp-entrypoint.js';

export type { BuildInput, Lifecycle } from './runtime/build-input.js';
export type { Runtime } from './runtime/runtime.js';
export type { EntryPointOptions } from './entrypoints/entrypoint.js';
export type { SharedLimits } from './middlewares/traffic/shared-limits.js';
export type { BreakerTransition, BreakerStateName } from './middlewares/middleware-entry.js';
export type { RedisLimitEvents } from './middlewares/traffic/redis-link.js';
export type { UpstreamTransport } from './forward/upstream-transport.js';
export { DEFAULT_TRANSPORT, dynamicUpstreamTransport, upstreamTransport } from './forward/servers-transport.js';

/** What an edge shares with the other workers of `--workers` (pe-edge's own flag); nothing when alone. */
export interface SharedWithWorkers {
  /** Where rate limits and in-flight requests are counted; this process alone when absent. */
  limits?: SharedLimits;
  /** False in every worker but one: the others learn server states through `followHealth`. */
  probeHealth?: boolean;
  /** In the probing worker: hears every probe's result, to tell the others. */
  onProbe?: ProbeResult;
  /**
   * Each worker listens on a socket of its own in the port's SO_REUSEPORT group, and the kernel spreads connections
   * among them (operator/workers/workers.ts `workersListenAlone`); else all share the primary's socket.
   */
  listenAlone?: boolean;
}

/**
 * The request-path half of pe-edge: listeners plus the one mutable reference to the compiled runtime.
 * `apply` builds a new runtime and swaps it in; requests already running finish on the one they started with.
 */
export class EdgeProxy {
  private current: Runtime;
  private readonly parts: CarriedParts;
  /** rateLimit's Redis clients (also reached through parts.middlewareState), closed last on shutdown. */
  private readonly redis: RedisConnections;
  private readonly entryPoints: EntryPoint[];
  /** Entrypoints whose address ends in `/udp` (proxy/udp), apart from the TCP ones. */
  private readonly udpEntryPoints: UdpEntryPoint[];
  readonly lifecycle: Lifecycle = { terminating: false, providerProblems: new Map() };

  /**
   * `onHealth` hears every server going DOWN or back UP, `onBreaker` every circuit breaker changing state (for logs),
   * `onRedis` the Redis outages of rateLimit's shared buckets (for logs and a metric).
   */
  constructor(
    entryPoints: readonly EntryPointOptions[],
    initial: BuildInput,
    onHealth: HealthTransition = () => undefined,
    shared: SharedWithWorkers = {},
    onBreaker: BreakerTransition = () => undefined,
    onRedis?: RedisLimitEvents,
  ) {
    this.redis = new RedisConnections(onRedis);
    this.parts = {
      pools: new UpstreamPools(),
      healthChecks: new HealthChecks(onHealth, shared.probeHealth ?? true, shared.onProbe),
      middlewareState: new KeptState(shared.limits, onBreaker, this.redis),
      rules: new CompiledRules(),
      balancers: new CarriedBalancers(),
    };
    this.current = buildRuntime(initial, this.parts, this.lifecycle);
    const getRuntime = (): Runtime => this.current;
    const isUdp = (options: EntryPointOptions): boolean => isUdpAddress(options.address);
    this.entryPoints = entryPoints.filter((options) => !isUdp(options)).map((options) => new EntryPoint(options, getRuntime, shared.listenAlone ?? false));
    this.udpEntryPoints = entryPoints.filter(isUdp).map((options) => new UdpEntryPoint({
      name: options.name,
      address: options.address,
      timeout: options.udpTimeout ?? DEFAULT_UDP_TIMEOUT_MS,
      graceTimeOut: options.graceTimeOut,
      requestAcceptGraceTimeout: options.requestAcceptGraceTimeout,
      onError: options.onUdpError,
      maxSessions: options.udpMaxSessions,
    }, () => this.current.udp));
  }

  /** A server state probed by another worker (`--workers`), for an edge built with `probeHealth: false`. */
  followHealth(serviceName: string, serverUrl: string, up: boolean): void {
    this.parts.healthChecks.follow(serviceName, serverUrl, up);
  }

  get runtime(): Runtime {
    return this.current;
  }

  /** Number of live upstream keep-alive pools (one per server origin and transport). */
  get upstreamPoolCount(): number {
    return this.parts.pools.size;
  }

  /**
   * Builds and swaps in one go, blocking the event loop for the whole build. A sliced build still running
   * (`update`) is superseded: it never lands. For start-up and tests; a running process uses `update`.
   */
  apply(input: BuildInput): Runtime {
    this.supersedePending();
    const next = buildRuntime(input, this.parts, this.lifecycle);
    this.current = next;
    return next;
  }

  /**
   * Builds off the request path: the build runs in slices of at most `sliceMs` of work, handing the event
   * loop back (setImmediate) between them, so requests keep being served by the current runtime meanwhile;
   * the new runtime is swapped in with one reference assignment when the last slice ends. A configuration
   * small enough to build within the first slice is swapped in before `update` returns.
   * The last call wins: a build still running when `update` or `apply` is called again is abandoned at its
   * next slice and never lands; its promise resolves to null. Resolves to the runtime swapped in.
   */
  update(input: BuildInput, sliceMs = 10): Promise<Runtime | null> {
    this.supersedePending();
    const steps = buildRuntimeSteps(input, this.parts, this.lifecycle);
    return new Promise<Runtime | null>((resolve, reject) => {
      const job: PendingBuild = {
        supersede: () => {
          steps.return(null as never);
          resolve(null);
        },
      };
      this.pending = job;
      const slice = (): void => {
        if (this.pending !== job) return;
        const deadline = performance.now() + sliceMs;
        try {
          for (;;) {
            const step = steps.next();
            if (step.done === true) {
              this.pending = null;
              this.current = step.value;
              resolve(step.value);
              return;
            }
            if (performance.now() >= deadline) break;
          }
        } catch (err) {
          this.pending = null;
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        setImmediate(slice);
      };
      slice();
    });
  }

  /** True while a sliced build (`update`) has not landed yet. */
  get building(): boolean {
    return this.pending !== null;
  }

  private pending: PendingBuild | null = null;

  private supersedePending(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.supersede();
  }

  async listen(): Promise<void> {
    for (const ep of [...this.entryPoints, ...this.udpEntryPoints]) {
      try {
        await ep.listen();
      } catch (err) {
        await this.close(0);
        throw new Error(`entryPoint "${ep.options.name}" (${ep.options.address}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Open TCP connections per entrypoint, right now. */
  *openConnections(): IterableIterator<readonly [entryPoint: string, count: number]> {
    for (const ep of this.entryPoints) yield [ep.options.name, ep.openConnections] as const;
  }

  /** Bound port of an entrypoint, by name. */
  port(entryPoint: string): number {
    return [...this.entryPoints, ...this.udpEntryPoints].find((ep) => ep.options.name === entryPoint)?.port ?? 0;
  }

  /**
   * SIGTERM semantics: /ping turns 503, listeners stop accepting, in-flight requests get each entrypoint's graceTimeOut.
   * A second call (SIGINT after SIGTERM) joins the shutdown under way: closing the closed health-check agent again rejects.
   */
  close(graceMs?: number): Promise<void> {
    this.closing ??= this.drainAndClose(graceMs);
    return this.closing;
  }

  private closing: Promise<void> | null = null;

  private async drainAndClose(graceMs: number | undefined): Promise<void> {
    this.lifecycle.terminating = true;
    this.supersedePending();
    await Promise.all([...this.entryPoints, ...this.udpEntryPoints].map((ep) => ep.shutdown(graceMs)));
    this.parts.healthChecks.stopAll();
    await this.parts.pools.closeAll();
    this.redis.closeAll();
  }
}

/** entryPoints.<name>.udp.timeout's default (Traefik's 3 s), for callers that do not set `udpTimeout`. */
const DEFAULT_UDP_TIMEOUT_MS = 3000;

/** A sliced build under way; `supersede` abandons it (it never lands) and settles its promise with null. */
interface PendingBuild {
  supersede(): void;
}
