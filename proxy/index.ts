import { UpstreamPools } from './forward/upstream-pools.js';
import { HealthChecks, type HealthTransition } from './services/health/health-checks.js';
import type { CarriedParts } from './runtime/carried-parts.js';
import { KeptState } from './runtime/kept-state.js';
import { EntryPoint, type EntryPointOptions } from './entrypoints/entrypoint.js';
import type { BuildInput, Lifecycle } from './runtime/build-input.js';
import { buildRuntime } from './runtime/build.js';
import type { Runtime } from './runtime/runtime.js';

export type { BuildInput, Lifecycle } from './runtime/build-input.js';
export type { Runtime } from './runtime/runtime.js';
export type { EntryPointOptions } from './entrypoints/entrypoint.js';
export { DEFAULT_TRANSPORT, type UpstreamTransport } from './forward/upstream-transport.js';

/**
 * The request-path half of pe-edge: listeners plus the one mutable reference to the compiled runtime.
 * `apply` builds a new runtime and swaps it in; requests already running finish on the one they started with.
 */
export class EdgeProxy {
  private current: Runtime;
  private readonly parts: CarriedParts;
  private readonly entryPoints: EntryPoint[];
  readonly lifecycle: Lifecycle = { terminating: false };

  /** `onHealth` hears every server going DOWN or back UP (for logs). */
  constructor(entryPoints: readonly EntryPointOptions[], initial: BuildInput, onHealth: HealthTransition = () => undefined) {
    this.parts = { pools: new UpstreamPools(), healthChecks: new HealthChecks(onHealth), middlewareState: new KeptState() };
    this.current = buildRuntime(initial, this.parts, this.lifecycle);
    const getRuntime = (): Runtime => this.current;
    this.entryPoints = entryPoints.map((options) => new EntryPoint(options, getRuntime));
  }

  get runtime(): Runtime {
    return this.current;
  }

  /** Number of live upstream keep-alive pools (one per server origin and transport). */
  get upstreamPoolCount(): number {
    return this.parts.pools.size;
  }

  apply(input: BuildInput): Runtime {
    const next = buildRuntime(input, this.parts, this.lifecycle);
    this.current = next;
    return next;
  }

  async listen(): Promise<void> {
    for (const ep of this.entryPoints) {
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
    return this.entryPoints.find((ep) => ep.options.name === entryPoint)?.port ?? 0;
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
    await Promise.all(this.entryPoints.map((ep) => ep.shutdown(graceMs)));
    this.parts.healthChecks.stopAll();
    await this.parts.pools.closeAll();
  }
}
