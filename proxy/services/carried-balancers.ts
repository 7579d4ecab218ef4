import type { UpstreamPools } from '../forward/upstream-pools.js';
import { transportKey, type UpstreamTransport } from '../forward/upstream-transport.js';
import type { HealthChecks } from './health/health-checks.js';
import { createLoadBalancer, upstreamKey, type LoadBalancer } from './load-balancer.js';
import type { LoadBalancerConfig } from './service-config.js';
import { CarriedByBuild } from '../runtime/carried-by-build.js';

interface Carried {
  config: LoadBalancerConfig;
  transport: string;
  balancer: LoadBalancer;
}

/**
 * Load balancers carried from one runtime to the next by service name: a service whose loadBalancer
 * configuration and transport did not change keeps its balancer (its round-robin position, its servers' up/down
 * state, its handler), as long as the pools and health checker it holds are still the ones the carried parts
 * hand out. A reload that changes one service builds one balancer, not ten thousand.
 */
export class CarriedBalancers {
  private readonly balancers = new CarriedByBuild<Carried>();

  beginBuild(): void {
    this.balancers.beginBuild();
  }

  acquire(serviceName: string, config: LoadBalancerConfig, transport: UpstreamTransport, pools: UpstreamPools, healthChecks: HealthChecks): LoadBalancer {
    const key = transportKey(transport);
    const carried = this.balancers.take(serviceName);
    if (carried !== undefined && carried.transport === key && sameJson(carried.config, config) && retainParts(carried.balancer, config, serviceName, transport, pools, healthChecks)) {
      // The newest equal configuration is the one the runtime shows: the older one may be collected.
      carried.config = config;
      return carried.balancer;
    }
    // Servers added or removed: the rotation goes on from where the replaced balancer stood.
    const balancer = createLoadBalancer(serviceName, config, transport, pools, healthChecks, carried?.balancer.balancer.position(upstreamKey),
      (service, url, up, reason) => healthChecks.report(service, url, up, reason));
    this.balancers.keep(serviceName, { config, transport: key, balancer });
    return balancer;
  }

  releaseUnused(): void {
    this.balancers.releaseUnused();
  }

  get size(): number {
    return this.balancers.size;
  }
}

/** Marks the balancer's pools and health checker as used by this build; false when one of them is not carried any more. */
function retainParts(balancer: LoadBalancer, config: LoadBalancerConfig, serviceName: string, transport: UpstreamTransport, pools: UpstreamPools, healthChecks: HealthChecks): boolean {
  for (const upstream of balancer.upstreams) if (!pools.retain(upstream.pool)) return false;
  if (config.healthCheck == null) return balancer.health === null;
  return healthChecks.acquire(serviceName, config.healthCheck, balancer.upstreams.map((u) => u.url), transport) === balancer.health;
}

/** Structural equality of JSON-like values (objects, arrays, primitives), key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    const v = x[k];
    // An undefined property is JSON's absent one.
    if (v === undefined) {
      if (y[k] !== undefined) return false;
      continue;
    }
    count++;
    if (!Object.hasOwn(y, k) || !sameJson(v, y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) count--;
  return count === 0;
}
