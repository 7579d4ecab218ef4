import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { HealthChecks } from '../services/health/health-checks.js';
import type { KeptState } from './kept-state.js';
import type { CompiledRules } from './compiled-rules.js';
import type { CarriedBalancers } from '../services/carried-balancers.js';

/**
 * Stateful parts that outlive one runtime: each build acquires what it uses by key and the
 * parts nobody acquired are released after the swap (pools close once their requests finish).
 */
export interface CarriedParts {
  readonly pools: UpstreamPools;
  readonly healthChecks: HealthChecks;
  readonly middlewareState: KeptState;
  /** Compiled router rules, reused by every build whose routers kept their rule. */
  readonly rules: CompiledRules;
  /** Load balancers of services whose configuration did not change. */
  readonly balancers: CarriedBalancers;
}

export function beginBuild(parts: CarriedParts): void {
  parts.pools.beginBuild();
  parts.healthChecks.beginBuild();
  parts.middlewareState.beginBuild();
  parts.rules.beginBuild();
  parts.balancers.beginBuild();
}

export function releaseUnused(parts: CarriedParts): void {
  parts.pools.releaseUnused();
  parts.healthChecks.releaseUnused();
  parts.middlewareState.releaseUnused();
  parts.rules.releaseUnused();
  parts.balancers.releaseUnused();
}
