// The UDP part of Traefik's API (pkg/api/handler_udp.go, the udp section of /api/overview and /api/rawdata).
import type { RequestContext } from '../http/request-context.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ItemStatus } from '../runtime/status.js';
import type { UdpRouting } from '../udp/udp-routing.js';
import { listPage, type NamedItem } from './list.js';
import { providerOf, type RawItem } from './rawdata.js';
import { writeJson, writeMessage } from './respond.js';

type UdpSection = 'routers' | 'services';

export function isUdpSection(segment: string): segment is UdpSection {
  return segment === 'routers' || segment === 'services';
}

/** `/api/udp/{routers,services}`: Traefik's list query (search, status, serviceName, sortBy, direction, page, per_page). */
export function udpList(ctx: RequestContext, rt: Runtime, section: UdpSection, query: URLSearchParams): void {
  const page = listPage(section, namedItems(rt.udp, section), query);
  if ('error' in page) writeMessage(ctx, 400, page.error);
  else writeJson(ctx, page.items, { 'x-next-page': String(page.nextPage) });
}

/** `/api/udp/{routers,services}/{name}`, `name` already unescaped. */
export function udpOne(ctx: RequestContext, rt: Runtime, section: UdpSection, name: string): void {
  const item = udpItems(rt.udp, section).get(name);
  if (item === undefined) writeMessage(ctx, 404, `${section === 'routers' ? 'router' : 'service'} not found: ${name}`);
  else writeJson(ctx, { ...item, name });
}

/** `/api/overview`'s `udp`: totals, warnings and errors (disabled items) per kind. */
export function udpOverview(udp: UdpRouting): Record<UdpSection, { total: number; warnings: number; errors: number }> {
  const counts = { routers: { total: 0, warnings: 0, errors: 0 }, services: { total: 0, warnings: 0, errors: 0 } };
  for (const item of udp.status.all()) {
    const c = item.kind === 'router' ? counts.routers : counts.services;
    c.total++;
    if (item.status === 'warning') c.warnings++;
    if (item.status === 'disabled') c.errors++;
  }
  return counts;
}

/** `/api/rawdata`'s `udpRouters` and `udpServices`: keyed by name, without name, provider or type; empty ones left out. */
export function udpRawData(udp: UdpRouting): { udpRouters?: Record<string, object>; udpServices?: Record<string, object> } {
  const out: { udpRouters?: Record<string, object>; udpServices?: Record<string, object> } = {};
  for (const [section, key] of [['routers', 'udpRouters'], ['services', 'udpServices']] as const) {
    const items = udpItems(udp, section);
    if (items.size === 0) continue;
    out[key] = Object.fromEntries([...items].map(([name, { provider: _provider, type: _type, ...rest }]) => [name, rest]));
  }
  return out;
}

function namedItems(udp: UdpRouting, section: UdpSection): NamedItem[] {
  return [...udpItems(udp, section)].map(([name, item]) => ({ ...item, name }));
}

/** Each item as Traefik's UDPRouterInfo / UDPServiceInfo shows it: configuration, error, status, using/usedBy, provider, type. */
function udpItems(udp: UdpRouting, section: UdpSection): Map<string, RawItem> {
  const out = new Map<string, RawItem>();
  for (const item of udp.status.all()) {
    if (section === 'routers' && item.kind === 'router') out.set(item.name, { ...udp.config.routers[item.name], ...runtimeFields(item, item.using) });
    if (section === 'services' && item.kind === 'service') {
      const service = udp.config.services[item.name] ?? {};
      const type = Object.keys(service)[0];
      out.set(item.name, { ...service, ...runtimeFields(item, undefined, item.usedBy), ...(type !== undefined ? { type: type.toLowerCase() } : {}) });
    }
  }
  return out;
}

/** Go's `omitempty`: no error, using or usedBy key when the list is empty. */
function runtimeFields(item: ItemStatus, using?: readonly string[], usedBy?: readonly string[]): RawItem {
  return {
    ...(item.errors.length > 0 ? { error: [...item.errors] } : {}),
    status: item.status,
    ...(using !== undefined && using.length > 0 ? { using: [...using] } : {}),
    ...(usedBy !== undefined && usedBy.length > 0 ? { usedBy: [...usedBy].sort() } : {}),
    provider: providerOf(item.name),
  };
}
