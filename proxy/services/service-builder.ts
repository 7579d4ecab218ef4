import type { Handler } from '../http/request-context.js';
import type { CarriedParts } from '../runtime/carried-parts.js';
import type { RuntimeStatus } from '../runtime/status.js';
import type { LoadBalancer } from './load-balancer.js';
import type { ServiceConfig, TransportLookup } from './service-config.js';
import { createWeightedService } from './weighted-service.js';
import { qualify } from '../runtime/qualified-name.js';

const SERVICE_TYPES = ['loadBalancer', 'weighted', 'mirroring', 'failover'] as const;

/**
 * Builds each service handler once, on first use, so routers sharing a service share its balancer.
 * A service that cannot be built is reported once and every router using it is disabled.
 */
export class ServiceBuilder {
  private readonly built = new Map<string, Handler | Error>();
  readonly loadBalancers = new Map<string, LoadBalancer>();

  constructor(
    private readonly services: Readonly<Record<string, ServiceConfig>>,
    private readonly transports: TransportLookup,
    private readonly parts: Pick<CarriedParts, 'pools' | 'healthChecks' | 'balancers'>,
    private readonly status: RuntimeStatus,
    private readonly internal: ReadonlyMap<string, Handler> = new Map(),
  ) {}

  /** The handler of a qualified service name, or the error that keeps it from serving. */
  get(name: string, stack: readonly string[] = []): Handler | Error {
    const done = this.built.get(name);
    if (done !== undefined) return done;
    if (stack.includes(name)) return new Error(`recursion detected in ${[...stack, name].join(' -> ')}`);
    const config = this.services[name];
    if (config === undefined) {
      const internal = this.internal.get(name);
      if (internal !== undefined) {
        this.status.declare('service', name);
        return internal;
      }
    }
    if (config === undefined) return new Error(`the service "${name}" does not exist`);
    let result: Handler | Error;
    try {
      result = this.build(name, config, [...stack, name]);
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
    }
    if (result instanceof Error) this.status.addError('service', name, result.message, true);
    this.built.set(name, result);
    return result;
  }

  /** Builds every configured service, so unused ones are validated and reported too. */
  buildAll(): void {
    for (const name of Object.keys(this.services)) this.get(name);
  }

  /** buildAll, yielding after every `perStep` services (see buildRuntimeSteps). */
  *buildAllSteps(perStep: number): Generator<void, void, void> {
    let sinceYield = 0;
    for (const name of Object.keys(this.services)) {
      if (++sinceYield === perStep) {
        sinceYield = 0;
        yield;
      }
      this.get(name);
    }
  }

  private build(name: string, config: ServiceConfig, stack: string[]): Handler | Error {
    const types = SERVICE_TYPES.filter((t) => config[t] !== undefined);
    if (types.length === 0) return new Error(`the service "${name}" does not have any type defined`);
    if (types.length > 1) return new Error(`cannot create service: multi-types service not supported, consider declaring two different pieces of service instead (${types.join(', ')})`);
    const type = types[0];
    this.status.declare('service', name);
    if (type === 'loadBalancer' && config.loadBalancer !== undefined) {
      const lb = config.loadBalancer;
      const transportName = lb.serversTransport === undefined ? 'default@internal' : qualify(lb.serversTransport, name);
      const transport = this.transports(transportName);
      if (transport === undefined) return new Error(`serversTransport "${transportName}" does not exist`);
      if (lb.passiveHealthCheck != null) {
        this.status.addError('service', name, 'loadBalancer.passiveHealthCheck is not implemented yet in pe-edge; ignored', false);
      }
      if (lb.strategy !== undefined && lb.strategy !== 'wrr') {
        this.status.addError('service', name, `loadBalancer.strategy "${lb.strategy}" is not implemented yet in pe-edge; using wrr`, false);
      }
      const balancer = this.parts.balancers.acquire(name, lb, transport, this.parts.pools, this.parts.healthChecks);
      this.loadBalancers.set(name, balancer);
      return balancer.handler;
    }
    if (type === 'weighted' && config.weighted !== undefined) {
      const children: { handler: Handler; weight: number }[] = [];
      for (const child of config.weighted.services ?? []) {
        const childName = qualify(child.name, name);
        const handler = this.get(childName, stack);
        if (handler instanceof Error) return new Error(`weighted child "${childName}": ${handler.message}`);
        children.push({ handler, weight: child.weight ?? 1 });
      }
      if (config.weighted.sticky !== undefined && config.weighted.sticky !== null) {
        this.status.addError('service', name, 'weighted.sticky is not implemented yet in pe-edge; ignored', false);
      }
      return createWeightedService(children);
    }
    return new Error(`${type} services are not implemented yet in pe-edge`);
  }
}
