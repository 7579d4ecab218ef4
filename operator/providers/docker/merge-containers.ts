import { emptyDynamicConfig, type DynamicConfig } from '../../../labels-spec/index.js';
import type { ContainerResult } from './container-config.js';
import { containerServiceName, type ContainerView } from './container-view.js';

/**
 * Traefik's merge across containers: replicas that declare the same service with the same
 * settings become one pool (servers unioned); any other difference removes the object and says why.
 */
export function mergeContainers(results: readonly ContainerResult[]): { config: DynamicConfig; errors: string[] } {
  const config: DynamicConfig = emptyDynamicConfig();
  const errors: string[] = [];
  const conflicts = { routers: new Set<string>(), services: new Set<string>(), middlewares: new Set<string>() };
  const owners = new Map<string, string[]>();
  const keyed = results.map((r) => ({ r, key: mergeKey(r.container) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const sorted = keyed.map((k) => k.r);
  for (const r of sorted) {
    if (r.kind !== 'routed') continue;
    for (const kind of ['routers', 'middlewares'] as const) {
      for (const [name, value] of Object.entries(r.config.http[kind])) {
        note(owners, `${kind} ${name}`, r.container.name);
        const existing = config.http[kind][name];
        if (existing === undefined) (config.http[kind] as Record<string, unknown>)[name] = value;
        else if (canonical(existing) !== canonical(value)) conflicts[kind].add(name);
      }
    }
    for (const [name, service] of Object.entries(r.config.http.services)) {
      note(owners, `services ${name}`, r.container.name);
      const existing = config.http.services[name];
      if (existing === undefined) {
        config.http.services[name] = structuredClone(service);
        continue;
      }
      if (!('loadBalancer' in existing) || !('loadBalancer' in service) || existing.loadBalancer === undefined || service.loadBalancer === undefined
        || canonical({ ...existing.loadBalancer, servers: [] }) !== canonical({ ...service.loadBalancer, servers: [] })) {
        conflicts.services.add(name);
        continue;
      }
      for (const server of service.loadBalancer.servers) {
        if (!existing.loadBalancer.servers.some((s) => s.url === server.url)) existing.loadBalancer.servers.push(server);
      }
    }
  }
  const what = { routers: 'Router', services: 'Service', middlewares: 'Middleware' } as const;
  for (const kind of ['routers', 'services', 'middlewares'] as const) {
    for (const name of conflicts[kind]) {
      delete (config.http[kind] as Record<string, unknown>)[name];
      errors.push(`${what[kind]} "${name}@docker" defined multiple times with different configurations in ${(owners.get(`${kind} ${name}`) ?? []).join(', ')}; left out until they agree`);
    }
  }
  return { config, errors };
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
