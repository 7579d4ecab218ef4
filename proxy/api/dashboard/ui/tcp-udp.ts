// The TCP and UDP sections of the page, from Traefik's /api/tcp/* and /api/udp/* lists, as Traefik's dashboard shows
// them: routers with rule, entrypoints, TLS and service; services with their servers; TCP middlewares. Each section is
// shown only while the configuration has TCP (or UDP) items, and fetched only then.
import { getAllPages } from './api-client.js';
import { badge, byId, childList, errorList, h, serverItem, table, type Status } from './dom.js';

interface Item {
  name: string;
  status: Status;
  error?: string[];
  provider?: string;
}

interface TcpRouter extends Item {
  rule?: string;
  service?: string;
  middlewares?: string[];
  entryPoints?: string[];
  using?: string[];
  priority?: number;
  tls?: { passthrough?: boolean; options?: string; certResolver?: string; domains?: { main: string; sans?: string[] }[] };
}

interface UdpRouter extends Item {
  service?: string;
  entryPoints?: string[];
  using?: string[];
}

interface Service extends Item {
  type?: string;
  usedBy?: string[];
  serverStatus?: Record<string, string>;
  loadBalancer?: { servers?: { address: string; tls?: boolean }[] };
  weighted?: { services?: { name: string; weight?: number }[] };
}

interface Middleware extends Item {
  type?: string;
  usedBy?: string[];
}

export interface Counts {
  total: number;
}

const byName = <T extends Item>(items: T[]): T[] => items.sort((a, b) => a.name.localeCompare(b.name));

/** How a TCP router treats TLS: none, relayed untouched, or terminated with its options and resolver. */
function tlsCell(tls: TcpRouter['tls']): Node {
  if (tls === undefined) return h('span', { class: 'muted' }, 'no TLS');
  if (tls.passthrough === true) return h('span', { 'data-tls': 'passthrough' }, 'passthrough');
  const details = [`options ${tls.options ?? 'default'}`];
  if (tls.certResolver !== undefined && tls.certResolver !== '') details.push(`resolver ${tls.certResolver}`);
  for (const d of tls.domains ?? []) details.push(`domains ${[d.main, ...(d.sans ?? [])].join(', ')}`);
  return h('span', { 'data-tls': 'terminated' }, 'terminated', h('span', { class: 'muted' }, ` (${details.join('; ')})`));
}

function entryPointsOf(r: { using?: string[]; entryPoints?: string[] }): string {
  return (r.using !== undefined && r.using.length > 0 ? r.using : r.entryPoints ?? []).join(', ');
}

function renderTcpRouters(routers: TcpRouter[]): void {
  const rows = byName(routers).map((r) =>
    h('tr', { 'data-tcp-router': r.name },
      h('td', {}, h('code', {}, r.name)),
      h('td', {}, badge(r.status)),
      h('td', {}, h('code', {}, r.rule ?? ''), errorList(r.error)),
      h('td', {}, entryPointsOf(r)),
      h('td', {}, tlsCell(r.tls)),
      h('td', {}, (r.middlewares ?? []).join(', ')),
      h('td', {}, h('code', {}, r.service ?? '')),
      h('td', {}, r.priority !== undefined ? String(r.priority) : '')));
  byId('tcp-routers').replaceChildren(table(['name', 'status', 'rule / errors', 'entrypoints', 'TLS', 'middlewares', 'service', 'priority'], rows, 'no TCP routers'));
}

/** A TCP or UDP service's servers (with their state where the API has one), else its weighted children. */
function serversCell(s: Service, containers: Record<string, string>): Node {
  const addresses = s.loadBalancer?.servers?.map((server) => server.address) ?? [];
  if (addresses.length > 0) {
    return h('ul', { class: 'servers' }, addresses.map((a) => serverItem(a, s.serverStatus?.[a], containers[a])));
  }
  return childList((s.weighted?.services ?? []).map((c) => [c.name, `weight ${c.weight ?? 1}`]));
}

function renderServices(id: string, attribute: string, services: Service[], containers: Record<string, string>, empty: string): void {
  const rows = byName(services).map((s) =>
    h('tr', { [attribute]: s.name },
      h('td', {}, h('code', {}, s.name)),
      h('td', {}, badge(s.status), errorList(s.error)),
      h('td', {}, s.type ?? ''),
      h('td', {}, serversCell(s, containers)),
      h('td', {}, (s.usedBy ?? []).join(', '))));
  byId(id).replaceChildren(table(['name', 'status', 'type', 'servers', 'used by'], rows, empty));
}

function renderTcpMiddlewares(middlewares: Middleware[]): void {
  const rows = byName(middlewares).map((m) =>
    h('tr', { 'data-tcp-middleware': m.name },
      h('td', {}, h('code', {}, m.name)),
      h('td', {}, badge(m.status), errorList(m.error)),
      h('td', {}, m.type ?? ''),
      h('td', {}, (m.usedBy ?? []).join(', '))));
  byId('tcp-middlewares').replaceChildren(table(['name', 'status', 'type', 'used by'], rows, 'no TCP middlewares'));
}

function renderUdpRouters(routers: UdpRouter[]): void {
  const rows = byName(routers).map((r) =>
    h('tr', { 'data-udp-router': r.name },
      h('td', {}, h('code', {}, r.name)),
      h('td', {}, badge(r.status), errorList(r.error)),
      h('td', {}, entryPointsOf(r)),
      h('td', {}, h('code', {}, r.service ?? ''))));
  byId('udp-routers').replaceChildren(table(['name', 'status / errors', 'entrypoints', 'service'], rows, 'no UDP routers'));
}

const sum = (counts: Record<string, Counts> | undefined): number => Object.values(counts ?? {}).reduce((n, c) => n + c.total, 0);

/** Fetches and draws the TCP and UDP sections the overview says have items; hides the others. */
export async function refreshTcpUdp(overview: { tcp?: Record<string, Counts>; udp?: Record<string, Counts> }, containers: Record<string, string>): Promise<void> {
  const tcp = sum(overview.tcp) > 0;
  const udp = sum(overview.udp) > 0;
  const [tcpRouters, tcpServices, tcpMiddlewares, udpRouters, udpServices] = await Promise.all([
    tcp ? getAllPages<TcpRouter>('../api/tcp/routers') : [],
    tcp ? getAllPages<Service>('../api/tcp/services') : [],
    tcp ? getAllPages<Middleware>('../api/tcp/middlewares') : [],
    udp ? getAllPages<UdpRouter>('../api/udp/routers') : [],
    udp ? getAllPages<Service>('../api/udp/services') : [],
  ]);
  byId('tcp').hidden = !tcp;
  byId('udp').hidden = !udp;
  if (tcp) {
    renderTcpRouters(tcpRouters);
    renderServices('tcp-services', 'data-tcp-service', tcpServices, containers, 'no TCP services');
    renderTcpMiddlewares(tcpMiddlewares);
  }
  if (udp) {
    renderUdpRouters(udpRouters);
    renderServices('udp-services', 'data-udp-service', udpServices, containers, 'no UDP services');
  }
}
