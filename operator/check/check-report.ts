import type { DynamicConfig, StaticConfig } from '../../labels-spec/index.js';
import { UpstreamPools } from '../../proxy/forward/upstream-pools.js';
import { buildRuntime } from '../../proxy/runtime/build.js';
import { HealthChecks } from '../../proxy/services/health/health-checks.js';
import { KeptState } from '../../proxy/runtime/kept-state.js';
import { aggregate } from '../aggregation/aggregate.js';
import { toBuildInput } from '../aggregation/build-input.js';
import type { ContainerResult } from '../providers/docker/container-config.js';
import { rawData, type RawItem } from '../../proxy/api/rawdata.js';

export type { RawItem } from '../../proxy/api/rawdata.js';

export interface CheckReport {
  routers: Record<string, RawItem>;
  services: Record<string, RawItem>;
  middlewares: Record<string, RawItem>;
  /** Per container (docker/compose checks): routed, or left out and why. */
  containers: { name: string; status: 'routed' | 'left out'; reason?: string; errors: string[]; warnings: string[] }[];
  /** Problems that belong to no single item (files, merge conflicts, entrypoints). */
  errors: string[];
  warnings: string[];
}

/**
 * Compiles the configuration exactly as the running proxy would (same build, nothing listens,
 * no health probe runs) and reports every router, service and middleware with its status.
 */
export function checkConfiguration(config: StaticConfig, fragments: ReadonlyMap<string, DynamicConfig>, containers: readonly ContainerResult[], errors: string[], warnings: string[]): CheckReport {
  const merged = aggregate(fragments);
  const pools = new UpstreamPools();
  const runtime = buildRuntime(toBuildInput(config, merged.config), { pools, healthChecks: new HealthChecks(() => undefined, false), middlewareState: new KeptState() }, { terminating: false });
  void pools.closeAll();
  const raw = rawData(runtime.status, runtime.config);
  const report: CheckReport = { ...raw, containers: [], errors: [...errors, ...merged.errors, ...runtime.errors], warnings: [...warnings] };
  for (const r of containers) {
    const errs = r.issues.filter((i) => i.severity === 'error').map((i) => i.message);
    const warns = [...r.issues.filter((i) => i.severity === 'warning').map((i) => i.message), ...(r.kind === 'routed' ? r.warnings : [])];
    report.containers.push(r.kind === 'routed'
      ? { name: r.container.name, status: 'routed', errors: errs, warnings: warns }
      : { name: r.container.name, status: 'left out', reason: r.reason, errors: errs, warnings: warns });
  }
  return report;
}

/** A deploy gate: any error anywhere, or any router/service/middleware that will not serve. */
export function reportHasErrors(r: CheckReport): boolean {
  if (r.errors.length > 0) return true;
  if (r.containers.some((c) => c.errors.length > 0 || (c.status === 'left out' && c.errors.length > 0))) return true;
  return [r.routers, r.services, r.middlewares].some((m) => Object.values(m).some((i) => i.status === 'disabled'));
}
