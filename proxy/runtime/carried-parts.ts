import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { HealthChecks } from '../services/health/health-checks.js';
import type { KeptState } from './kept-state.js';

/**
 * Stateful parts that outlive one runtime: each build acquires what it uses by key and the
 * parts nobody acquired are released after the swap (pools close once their requests finish).
 */
export interface CarriedParts {
  readonly pools: UpstreamPools;
  readonly healthChecks: HealthChecks;
  readonly middlewareState: KeptState;
}

export function beginBuild(parts: CarriedParts): void {
  parts.pools.beginBuild();
  parts.healthChecks.beginBuild();
  parts.middlewareState.beginBuild();
}

export function releaseUnused(parts: CarriedParts): void {
  parts.pools.releaseUnused();
  parts.healthChecks.releaseUnused();
  parts.middlewareState.releaseUnused();
}
