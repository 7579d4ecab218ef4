import type { Handler } from '../http/request-context.js';
import type { CarriedParts } from '../runtime/carried-parts.js';
import type { RuntimeStatus } from '../runtime/status.js';
import type { LoadBalancer } from './load-balancer.js';
import type { FailoverConfig, HighestRandomWeightConfig, LoadBalancerConfig, MirroringConfig, ServiceConfig, ServiceMiddlewares, TransportLookup, WeightedConfig } from './service-config.js';
import { createWeightedService, type WeightedChild } from './weighted-service.js';
import { createFailoverService } from './failover-service.js';
import type { FailoverErrors } from './failover-errors.js';
import { createHighestRandomWeightService } from './highest-random-weight-service.js';
import { createMirroringService, MirrorCounters, type Mirror } from './mirroring-service.js';
import { ALWAYS_UP, NoHealth, type ServiceHealth } from './service-health.js';
import { qualify } from '../runtime/qualified-name.js';
import { parseStatusRanges } from '../http/status-ranges.js';
import { LOAD_BALANCER_STRATEGIES } from '../../labels-spec/dynamic/services/load-balancer.js';

const SERVICE_TYPES = ['loadBalancer', 'weighted', 'mirroring', 'failover', 'highestRandomWeight'] as const;
// Configurations built without the schema (tests, tools) are checked against its list.
const STRATEGIES: ReadonlySet<string> = new Set(LOAD_BALANCER_STRATEGIES);

/**
 * Builds each service handler once, on first use, so routers sharing a service share its balancer.
 * A service that cannot be built is reported once and every router using it is disabled.
 */
export class ServiceBuilder {
  private readonly built = new Map<string, Handler | Error>();
  /** Each built service's status as its parents see it. */
  private readonly health = new Map<string, ServiceHealth | NoHealth>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  /** Services being built, in order: a middleware of one (errors.service) naming another of them is a recursion. */
  private readonly building = new Set<string>();

  constructor(
    private readonly services: Readonly<Record<string, ServiceConfig>>,
    private readonly transports: TransportLookup,
    private readonly parts: Pick<CarriedParts, 'pools' | 'healthChecks' | 'balancers' | 'middlewareState'>,
    private readonly status: RuntimeStatus,
    private readonly internal: ReadonlyMap<string, Handler> = new Map(),
    private readonly withMiddlewares: ServiceMiddlewares = (name) => new Error(`service "${name}": no middlewares to resolve`),
  ) {}

  /** The handler of a qualified service name, or the error that keeps it from serving. */
  get(name: string, stack: readonly string[] = []): Handler | Error {
    const done = this.built.get(name);
    if (done !== undefined) return done;
    if (stack.includes(name)) return new Error(`recursion detected in ${[...stack, name].join(' -> ')}`);
    if (this.building.has(name)) return new Error(`recursion detected in ${[...this.building, name].join(' -> ')}`);
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
    this.building.add(name);
    try {
      result = this.build(name, config, [...stack, name]);
      // Traefik's order: the service's middlewares wrap its balancer (or its children), inside any router's.
      if (!(result instanceof Error) && config.middlewares !== undefined && config.middlewares.length > 0) {
        result = this.withMiddlewares(name, config.middlewares, result);
      }
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.building.delete(name);
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

  /**
   * How `name` tells its parents its status (Traefik's StatusUpdater), for a weighted, mirroring or failover
   * parent with `healthCheck: {}` or a failover's main service. Builds the service first when needed.
   */
  healthOf(name: string, stack: readonly string[] = []): ServiceHealth | NoHealth | Error {
    const handler = this.get(name, stack);
    if (handler instanceof Error) return handler;
    return this.health.get(name) ?? NOT_AN_UPDATER;
  }

  private build(name: string, config: ServiceConfig, stack: string[]): Handler | Error {
    const types = SERVICE_TYPES.filter((t) => config[t] !== undefined);
    if (types.length === 0) return new Error(`the service "${name}" does not have any type defined`);
    if (types.length > 1) return new Error(`cannot create service: multi-types service not supported, consider declaring two different pieces of service instead (${types.join(', ')})`);
    const type = types[0];
    this.status.declare('service', name);
    if (type === 'loadBalancer' && config.loadBalancer !== undefined) return this.buildLoadBalancer(name, config.loadBalancer);
    if (type === 'weighted' && config.weighted !== undefined) return this.buildWeighted(name, config.weighted, stack);
    if (type === 'mirroring' && config.mirroring !== undefined) return this.buildMirroring(name, config.mirroring, stack);
    if (type === 'failover' && config.failover !== undefined) return this.buildFailover(name, config.failover, stack);
    if (type === 'highestRandomWeight' && config.highestRandomWeight !== undefined) return this.buildHighestRandomWeight(name, config.highestRandomWeight, stack);
    return new Error(`the service "${name}" does not have any type defined`);
  }

  private buildLoadBalancer(name: string, lb: LoadBalancerConfig): Handler | Error {
    const transportName = lb.serversTransport === undefined ? 'default@internal' : qualify(lb.serversTransport, name);
    const transport = this.transports(transportName);
    if (transport === undefined) return new Error(`serversTransport "${transportName}" does not exist`);
    if (lb.strategy !== undefined && !STRATEGIES.has(lb.strategy)) return new Error(`unsupported load-balancer strategy "${lb.strategy}"`);
    const balancer = this.parts.balancers.acquire(name, lb, transport, this.parts.pools, this.parts.healthChecks);
    this.loadBalancers.set(name, balancer);
    // v3.2's text: a loadBalancer is Traefik's weighted balancer over servers.
    this.health.set(name, lb.healthCheck == null ? new NoHealth(WITHOUT_CHECK('weighted')) : { up: () => balancer.balancer.anyUp() });
    return balancer.handler;
  }

  private buildWeighted(name: string, weighted: WeightedConfig, stack: string[]): Handler | Error {
    const follow = weighted.healthCheck != null;
    const children = this.childServices('weighted', name, weighted.services ?? [], follow, stack);
    if (children instanceof Error) return children;
    const cookie = weighted.sticky?.cookie;
    const service = createWeightedService(children, cookie == null ? undefined : { serviceName: name, cookie });
    this.health.set(name, follow ? service.health : new NoHealth(WITHOUT_CHECK('weighted')));
    return service.handler;
  }

  private buildHighestRandomWeight(name: string, config: HighestRandomWeightConfig, stack: string[]): Handler | Error {
    const follow = config.healthCheck != null;
    const children = this.childServices('highestRandomWeight', name, config.services ?? [], follow, stack);
    if (children instanceof Error) return children;
    const service = createHighestRandomWeightService(children);
    this.health.set(name, follow ? service.health : new NoHealth(WITHOUT_CHECK('HRW')));
    return service.handler;
  }

  /** The children of a weighted or highestRandomWeight service, with their status when the parent follows it. */
  private childServices(
    kind: string, name: string, services: readonly { name: string; weight?: number | undefined }[], follow: boolean, stack: string[],
  ): WeightedChild[] | Error {
    const children: WeightedChild[] = [];
    for (const child of services) {
      const childName = qualify(child.name, name);
      const handler = this.get(childName, stack);
      if (handler instanceof Error) return new Error(`${kind} child "${childName}": ${handler.message}`);
      let health: ServiceHealth | undefined;
      if (follow) {
        const found = this.healthOf(childName, stack);
        if (found instanceof Error) return found;
        if (found instanceof NoHealth) return found.errorFor(child.name, name);
        health = found;
      }
      children.push({ name: child.name, handler, weight: child.weight ?? 1, health });
    }
    return children;
  }

  private buildMirroring(name: string, config: MirroringConfig, stack: string[]): Handler | Error {
    const mainName = qualify(config.service, name);
    const main = this.get(mainName, stack);
    if (main instanceof Error) return new Error(`mirroring service "${mainName}": ${main.message}`);
    const mirrors: Mirror[] = [];
    for (const m of config.mirrors ?? []) {
      const percent = m.percent ?? 0;
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) return new Error('percent must be between 0 and 100');
      const mirrorName = qualify(m.name, name);
      const handler = this.get(mirrorName, stack);
      if (handler instanceof Error) return new Error(`mirror "${mirrorName}": ${handler.message}`);
      mirrors.push({ handler, percent });
    }
    // A reload that leaves the service as it is keeps its counts, so the percentages hold across reloads.
    const counters = this.parts.middlewareState.scope(`service\u0000${name}\u0000${JSON.stringify(config)}`)('mirroring', () => new MirrorCounters(mirrors.length));
    const options = { mirrorBody: config.mirrorBody !== false, maxBodySize: config.maxBodySize ?? -1 };
    // The status goes through the mirroring untouched: the main service's, when the mirroring asks for it.
    let health: ServiceHealth | NoHealth = new NoHealth(WITHOUT_CHECK('mirroring'));
    if (config.healthCheck != null) {
      const found = this.healthOf(mainName, stack);
      if (found instanceof Error) return found;
      health = found instanceof NoHealth
        ? new NoHealth(`cannot register service of mirroring as updater: ${found.reason ?? 'service of mirroring not a healthcheck.StatusUpdater'}`)
        : found;
    }
    this.health.set(name, health);
    return createMirroringService(main, mirrors, options, counters);
  }

  private buildFailover(name: string, config: FailoverConfig, stack: string[]): Handler | Error {
    const errors = failoverErrors(config);
    const mainName = qualify(config.service, name);
    const main = this.get(mainName, stack);
    if (main instanceof Error) return new Error(`failover service "${mainName}": ${main.message}`);
    const found = this.healthOf(mainName, stack);
    if (found instanceof Error) return found;
    // Failing over on answers needs no status from the main service (Traefik then leaves it UP for good).
    if (found instanceof NoHealth && errors === null) return found.errorFor(config.service, name);
    const mainHealth = found instanceof NoHealth ? ALWAYS_UP : found;
    const fallbackName = qualify(config.fallback, name);
    const fallback = this.get(fallbackName, stack);
    if (fallback instanceof Error) return new Error(`failover fallback "${fallbackName}": ${fallback.message}`);
    // Without healthCheck Traefik does not follow the fallback: it is tried whenever the main service is down.
    let fallbackHealth = ALWAYS_UP;
    if (config.healthCheck != null) {
      const followed = this.healthOf(fallbackName, stack);
      if (followed instanceof Error) return followed;
      if (followed instanceof NoHealth) return followed.errorFor(config.fallback, name);
      fallbackHealth = followed;
    }
    const service = createFailoverService(main, mainHealth, fallback, fallbackHealth, errors);
    this.health.set(name, config.healthCheck != null ? service.health : new NoHealth(WITHOUT_CHECK('failover')));
    return service.handler;
  }
}

/** `failover.errors` as the failover acts on it: null without a status to fail over on (Traefik ignores the rest). */
function failoverErrors(config: FailoverConfig): FailoverErrors | null {
  const ranges = parseStatusRanges(config.errors?.status ?? [], 'failover.errors.status');
  if (ranges.length === 0) return null;
  return { ranges, maxRequestBodyBytes: config.errors?.maxRequestBodyBytes ?? -1 };
}

const WITHOUT_CHECK = (kind: string): string => `healthCheck not enabled in config for this ${kind} service`;

/** Internal services (api@internal, ...) cannot tell a status. */
const NOT_AN_UPDATER = new NoHealth(null);
