import { emptyDynamicConfig, type DynamicConfig } from '../../../labels-spec/index.js';
import type { ContainerResult } from './container-config.js';
import { containerServiceName, type ContainerView } from './container-view.js';

/** One map of items the containers' configurations are merged into, as Traefik's merge names it in its errors. */
interface MergedSection {
  what: string;
  items: (c: DynamicConfig) => Record<string, unknown>;
  /** Services: replicas' servers are unioned by this field (Traefik's LoadBalancer.Merge); other items must be equal. */
  serverKey?: 'url' | 'address';
}

const SECTIONS: readonly MergedSection[] = [
  { what: 'Router', items: (c) => c.http.routers },
  { what: 'Service', items: (c) => c.http.services, serverKey: 'url' },
  { what: 'Middleware', items: (c) => c.http.middlewares },
  { what: 'TCP router', items: (c) => c.tcp.routers },
  { what: 'TCP service', items: (c) => c.tcp.services, serverKey: 'address' },
  { what: 'TCP middleware', items: (c) => c.tcp.middlewares },
  { what: 'UDP router', items: (c) => c.udp.routers },
  { what: 'UDP service', items: (c) => c.udp.services, serverKey: 'address' },
];

/**
 * Traefik's merge across containers: replicas that declare the same service with the same
 * settings become one pool (servers unioned); any other difference removes the object and says why.
 * HTTP, TCP and UDP items alike (provider.Merge).
 */
export function mergeContainers(results: readonly ContainerResult[], provider = 'docker'): { config: DynamicConfig; errors: string[] } {
  const config: DynamicConfig = emptyDynamicConfig();
  const errors: string[] = [];
  const conflicts = SECTIONS.map(() => new Set<string>());
  const owners = new Map<string, string[]>();
  const keyed = results.map((r) => ({ r, key: mergeKey(r.container) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { r } of keyed) {
    if (r.kind !== 'routed') continue;
    SECTIONS.forEach((section, i) => {
      const into = section.items(config);
      for (const [name, value] of Object.entries(section.items(r.config))) {
        note(owners, `${section.what} ${name}`, r.container.name);
        const existing = into[name];
        if (existing === undefined) into[name] = section.serverKey === undefined ? value : structuredClone(value);
        else if (section.serverKey === undefined ? canonical(existing) !== canonical(value) : !mergeServers(existing, value, section.serverKey)) conflicts[i]?.add(name);
      }
    });
  }
  SECTIONS.forEach((section, i) => {
    for (const name of conflicts[i] ?? []) {
      delete section.items(config)[name];
      errors.push(`${section.what} "${name}@${provider}" defined multiple times with different configurations in ${(owners.get(`${section.what} ${name}`) ?? []).join(', ')}; left out until they agree`);
    }
  });
  return { config, errors };
}

type Servers = { servers: Record<string, unknown>[] };

/** Adds `service`'s servers to `existing` when both are load balancers equal but for their servers; false on a conflict. */
function mergeServers(existing: unknown, service: unknown, key: 'url' | 'address'): boolean {
  const a = (existing as { loadBalancer?: Servers }).loadBalancer;
  const b = (service as { loadBalancer?: Servers }).loadBalancer;
  if (a === undefined || b === undefined || canonical({ ...a, servers: [] }) !== canonical({ ...b, servers: [] })) return false;
  for (const server of b.servers) {
    if (!a.servers.some((s) => s[key] === server[key])) a.servers.push(server);
  }
  return true;
}

/**
 * Traefik merges containers in the order of `<service name>-<container id>` (NameSortedConfigurations), which is
 * also the order of a service's servers: replicas of one compose service are ordered by id, not by name.
 */
export function mergeKey(c: ContainerView): string {
  const name = containerServiceName(c);
  return `${name}-${c.id}`;
}

function note(owners: Map<string, string[]>, key: string, container: string): void {
  const list = owners.get(key) ?? [];
  if (!list.includes(container)) list.push(container);
  owners.set(key, list);
}

/** JSON with sorted keys, so equal configurations compare equal whatever the label order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}
