// Traefik's UDP router and service managers (pkg/server/router/udp, pkg/server/service/udp, runtime_udp.go):
// one router serves each UDP entrypoint, and what each router and service reports.
import { parseAddress } from '../../labels-spec/index.js';
import { qualify } from '../runtime/qualified-name.js';
import { RuntimeStatus } from '../runtime/status.js';
import type { EntryPointRouting } from '../runtime/build-input.js';
import { splitServerAddress } from './server-address.js';
import { NO_UDP, type UdpSection } from './udp-section.js';
import { UdpBalancer, UdpServer, type UdpTarget } from './udp-targets.js';

/** The router a UDP entrypoint's new sessions go to. */
export interface UdpRoute {
  readonly router: string;
  readonly target: UdpTarget;
}

/** A line Traefik logs without marking any item (a second router on an entrypoint, a server address that does not split). */
export interface UdpLogLine {
  readonly level: 'warn' | 'error';
  readonly message: string;
}

/** The UDP half of a runtime: immutable like the rest; sessions already open keep the server they picked. */
export interface UdpRouting {
  /** By UDP entrypoint name; an entrypoint without a working router drops datagrams of new sessions. */
  readonly routes: ReadonlyMap<string, UdpRoute>;
  /** UDP routers ('router') and services ('service'), apart from the HTTP ones. */
  readonly status: RuntimeStatus;
  readonly config: UdpSection;
  readonly logs: readonly UdpLogLine[];
}

/** Names of the entrypoints whose address ends in `/udp`, sorted (Traefik's default list for a router without entryPoints). */
export function udpEntryPointNames(entryPoints: Readonly<Record<string, EntryPointRouting>>): string[] {
  return Object.keys(entryPoints).filter((name) => isUdpAddress((entryPoints[name] as EntryPointRouting).address)).sort();
}

export function isUdpAddress(address: string): boolean {
  try {
    return parseAddress(address).protocol === 'udp';
  } catch {
    return false;
  }
}

/** `random` shuffles servers and weighted children once per build, as Traefik does (tests pass a fixed order). */
export function buildUdpRouting(section: UdpSection | undefined, entryPoints: Readonly<Record<string, EntryPointRouting>>, random: () => number = Math.random): UdpRouting {
  const config = section ?? NO_UDP;
  const status = new RuntimeStatus();
  const logs: UdpLogLine[] = [];
  const udpEntryPoints = udpEntryPointNames(entryPoints);
  for (const name of Object.keys(config.services)) status.declare('service', name);

  // GetUDPRoutersByEntryPoints, then PopulateUsedBy.
  const byEntryPoint = new Map<string, string[]>(udpEntryPoints.map((ep) => [ep, []]));
  for (const [name, router] of Object.entries(config.routers)) {
    status.declare('router', name);
    const wanted = router.entryPoints === undefined || router.entryPoints.length === 0 ? udpEntryPoints : router.entryPoints;
    const using: string[] = [];
    for (const ep of wanted) {
      const routers = byEntryPoint.get(ep);
      if (routers === undefined) {
        status.addError('router', name, `entryPoint "${ep}" doesn't exist`, false);
        continue;
      }
      if (!routers.includes(name)) routers.push(name);
      using.push(ep);
    }
    if (using.length === 0) status.addError('router', name, 'no valid entryPoint for this router', true);
    status.setUsing(name, using);
    if (router.service !== undefined && router.service !== '') status.addUsedBy('service', qualify(router.service, name), name);
  }

  const services = new UdpServiceBuilder(config, status, logs, random);
  const routes = new Map<string, UdpRoute>();
  for (const [ep, routers] of byEntryPoint) {
    if (routers.length > 1) logs.push({ level: 'warn', message: `entryPoint "${ep}": Config has more than one udp router for a given entrypoint.` });
    // Every router is built (each reports its own errors); the first that builds, by name descending, serves.
    for (const name of routers.sort().reverse()) {
      const router = config.routers[name];
      if (router?.service === undefined || router.service === '') {
        status.addError('router', name, 'the service is missing on the udp router', true);
        continue;
      }
      const target = services.build(qualify(router.service, name), []);
      if (target instanceof Error) {
        status.addError('router', name, target.message, true);
        continue;
      }
      if (!routes.has(ep)) routes.set(ep, { router: name, target });
    }
  }
  return { routes, status, config, logs };
}

/** Builds a fresh balancer per router and entrypoint, as Traefik's BuildUDP does: none shares its rotation. */
class UdpServiceBuilder {
  constructor(
    private readonly config: UdpSection,
    private readonly status: RuntimeStatus,
    private readonly logs: UdpLogLine[],
    private readonly random: () => number,
  ) {}

  /** `parents`: the weighted services above this one, so a cycle is an error instead of Go's endless recursion. */
  build(name: string, parents: readonly string[]): UdpTarget | Error {
    const service = this.config.services[name];
    if (service === undefined) return new Error(`the UDP service "${name}" does not exist`);
    if (parents.includes(name)) return new Error(`the UDP service "${name}" includes itself through weighted services: ${[...parents, name].join(' -> ')}`);
    if ('loadBalancer' in service) {
      const servers: { value: UdpTarget; weight: number }[] = [];
      for (const [index, { address }] of this.shuffle(service.loadBalancer.servers).entries()) {
        const split = splitServerAddress(address);
        if (split instanceof Error) {
          this.logs.push({ level: 'error', message: `UDP service "${name}", server ${index} (${address}): Failed to split host port: ${split.message}` });
          continue;
        }
        servers.push({ value: new UdpServer(address, split), weight: 1 });
      }
      return new UdpBalancer(servers);
    }
    if ('weighted' in service) {
      const children: { value: UdpTarget; weight: number }[] = [];
      for (const child of this.shuffle(service.weighted.services)) {
        const built = this.build(qualify(child.name, name), [...parents, name]);
        if (built instanceof Error) return built;
        children.push({ value: built, weight: child.weight });
      }
      return new UdpBalancer(children);
    }
    const error = new Error(`the UDP service "${name}" does not have any type defined`);
    this.status.addError('service', name, error.message, true);
    return error;
  }

  private shuffle<T>(values: readonly T[]): T[] {
    const out = [...values];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** Every line a UDP build has to say, for the log: each router's and service's errors, then Traefik's log-only lines. */
export function udpProblems(routing: UdpRouting): UdpLogLine[] {
  const kinds = { router: 'UDP router', service: 'UDP service', middleware: 'UDP middleware' } as const;
  return [
    ...routing.status.problems().map((p) => ({ level: p.level, message: `${kinds[p.kind]} "${p.name}": ${p.message}` })),
    ...routing.logs,
  ];
}
