import { withGoDurations } from '../../labels-spec/index.js';
import type { LoadBalancer } from '../services/load-balancer.js';
import type { ItemKind, RuntimeStatus } from '../runtime/status.js';
import { qualify } from '../runtime/qualified-name.js';

/** One item as Traefik's API shows it: its configuration plus the runtime fields. */
export interface RawItem {
  status: 'enabled' | 'warning' | 'disabled';
  error?: string[];
  provider: string;
  [key: string]: unknown;
}

export interface RawData {
  routers: Record<string, RawItem>;
  services: Record<string, RawItem>;
  middlewares: Record<string, RawItem>;
}

/** A build's configuration by section, with each router's computed priority: HTTP's or TCP's. */
export interface RawSources {
  readonly routers: Readonly<Record<string, object>>;
  readonly services: Readonly<Record<string, object>>;
  readonly middlewares: Readonly<Record<string, object>>;
  readonly priorities: ReadonlyMap<string, number>;
}

const SECTIONS = { router: 'routers', service: 'services', middleware: 'middlewares' } as const satisfies Record<ItemKind, keyof RawData>;

export function providerOf(name: string): string {
  const at = name.lastIndexOf('@');
  return at === -1 ? '' : name.slice(at + 1);
}

/**
 * Every router, service and middleware of a build with its status, errors and links (Traefik's runtime
 * configuration): the one shape behind `pe-edge check` and `/api/rawdata`.
 */
export function rawData(status: RuntimeStatus, config: RawSources, loadBalancers: ReadonlyMap<string, LoadBalancer> = new Map()): RawData {
  const out: RawData = { routers: {}, services: {}, middlewares: {} };
  for (const item of status.all()) {
    const source = (config[SECTIONS[item.kind]] as Readonly<Record<string, object>>)[item.name] ?? {};
    const entry: RawItem = { ...source, status: item.status, provider: providerOf(item.name), ...(item.errors.length > 0 ? { error: [...item.errors] } : {}) };
    if (item.kind === 'router') {
      const priority = config.priorities.get(item.name);
      if (priority !== undefined) entry.priority = priority;
      const tls = (source as { tls?: { options?: string } | null }).tls;
      if (tls != null) entry.tls = { ...tls, options: tls.options === undefined || tls.options === '' ? 'default' : tls.options };
      // Traefik's `using` is omitempty: a child router (multi-layer routing) has no entrypoint of its own.
      if (item.using.length > 0) entry.using = [...item.using].sort();
      // Its parents by qualified name, as Traefik's aggregator rewrites them.
      const parentRefs = (source as { parentRefs?: readonly string[] }).parentRefs;
      if (parentRefs !== undefined) entry.parentRefs = parentRefs.map((ref) => qualify(ref, item.name));
    } else {
      // A service's `middlewares` (v3.7) sits beside its type and is not one (Traefik's extractType skips lists).
      const type = Object.keys(source).find((k) => k !== 'middlewares' && (source as Record<string, unknown>)[k] !== undefined);
      if (type !== undefined) {
        entry.type = type.toLowerCase();
        // Durations as Traefik's API spells them ("30s", "1m0s"); the runtime keeps milliseconds.
        entry[type] = withGoDurations(item.kind, type, (source as Record<string, unknown>)[type]);
      }
      entry.usedBy = [...item.usedBy].sort();
      if (item.kind === 'service' && item.status !== 'disabled') {
        const serverStatus = serverStatusOf(item.name, source, loadBalancers);
        if (serverStatus !== undefined) entry.serverStatus = serverStatus;
      }
    }
    out[SECTIONS[item.kind]][item.name] = entry;
  }
  return out;
}

/** Health-checked servers report UP/DOWN; without a health check every server (HTTP `url`, TCP `address`) counts as UP (Traefik). */
function serverStatusOf(name: string, source: object, loadBalancers: ReadonlyMap<string, LoadBalancer>): Record<string, 'UP' | 'DOWN'> | undefined {
  const health = loadBalancers.get(name)?.health;
  if (health != null) return health.serverStatus();
  const servers = (source as { loadBalancer?: { servers?: { url?: string; address?: string }[] } }).loadBalancer?.servers;
  if (servers === undefined) return undefined;
  const out: Record<string, 'UP' | 'DOWN'> = {};
  for (const s of servers) {
    const key = s.url ?? s.address;
    if (key !== undefined) out[key] = 'UP';
  }
  return out;
}
