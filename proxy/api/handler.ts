import { entryPointWithGoDurations } from '../../labels-spec/index.js';
import type { Handler, RequestContext } from '../http/request-context.js';
import type { Runtime } from '../runtime/runtime.js';
import type { RuntimeStatus } from '../runtime/status.js';
import { listPage, type NamedItem } from './list.js';
import { rawData, type RawData, type RawItem } from './rawdata.js';
import { writeError, writeJson, writeMessage } from './respond.js';
import { serveDashboard } from './dashboard/dashboard.js';
import { peEdgeEndpoint } from './dashboard/pe-edge-endpoints.js';
import { problemCounts } from './config-problems.js';
import { isUdpSection, udpList, udpOne, udpOverview, udpRawData } from './udp-handler.js';

const SINGULAR = { routers: 'router', services: 'service', middlewares: 'middleware' } as const;

/**
 * `api@internal`: Traefik's read-only REST API over the runtime that is serving the request
 * (`runtime()` is read per request, so a reload shows at once). GET only.
 */
export function createApiHandler(runtime: () => Runtime | undefined): Handler {
  return (ctx) => {
    const current = runtime();
    const path = ctx.rawPath;
    // Keeps the API's own requests (the dashboard's polling) out of the traffic figures, as Traefik's addInternals.
    ctx.serviceName = 'api@internal';
    if (current?.api != null && current.api.dashboard === true && !path.startsWith('/api/') && serveDashboard(ctx)) return;
    if (current?.api == null || !path.startsWith('/api/')) {
      writeError(ctx, 404, '404 page not found');
      return;
    }
    const route = resolve(path.split('/').slice(2));
    if (route === null) {
      writeError(ctx, 404, '404 page not found');
      return;
    }
    if (ctx.method !== 'GET') {
      writeError(ctx, 405, 'Method Not Allowed');
      return;
    }
    route(ctx, current, new URLSearchParams(ctx.rawQuery));
  };
}

type Endpoint = (ctx: RequestContext, runtime: Runtime, query: URLSearchParams) => void;

/** Path segments after `/api/` → endpoint; null for an unknown path. `{name}` is path-unescaped. */
function resolve(segments: string[]): Endpoint | null {
  const [first, second, third, ...rest] = segments;
  if (rest.length > 0) return null;
  if (second === undefined) {
    if (first === 'version') return version;
    if (first === 'overview') return overview;
    if (first === 'rawdata') return rawdata;
    if (first === 'entrypoints') return entryPointList;
    return null;
  }
  if (first === 'pe-edge' && third === undefined) return peEdgeEndpoint(second);
  if (first === 'entrypoints' && third === undefined) return byName(second, (ctx, rt, name) => entryPoint(ctx, rt, name));
  if (first === 'udp') {
    if (!isUdpSection(second)) return null;
    return third === undefined ? (ctx, rt, query) => udpList(ctx, rt, second, query) : byName(third, (ctx, rt, name) => udpOne(ctx, rt, second, name));
  }
  if ((first !== 'http' && first !== 'tcp') || (second !== 'routers' && second !== 'services' && second !== 'middlewares')) return null;
  if (third === undefined) return (ctx, rt, query) => list(ctx, rt, first, second, query);
  return byName(third, (ctx, rt, name) => one(ctx, rt, first, second, name));
}

type Protocol = 'http' | 'tcp';

/** The runtime's items of one protocol, as the API shows them. */
function itemsOf(rt: Runtime, protocol: Protocol): RawData {
  return protocol === 'http' ? rawData(rt.status, rt.config, rt.loadBalancers) : rawData(rt.tcp.status, rt.tcp.config, rt.tcp.checkers);
}

function byName(segment: string, then: (ctx: RequestContext, runtime: Runtime, name: string) => void): Endpoint | null {
  if (segment === '') return null;
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return null;
  }
  return (ctx, rt) => then(ctx, rt, name);
}

const version: Endpoint = (ctx, rt) => {
  const dashboardName = rt.api?.dashboardName ?? '';
  // Traefik's field is omitempty: no name, no key.
  writeJson(ctx, { Version: rt.api?.version ?? '', Codename: 'pe-edge', startDate: rt.api?.startDate ?? '', ...(dashboardName === '' ? {} : { dashboardName }) });
};

/** Traefik's overview counts of one protocol's items: total, warnings, errors (disabled). */
function countsOf(status: RuntimeStatus): { routers: Counts; services: Counts; middlewares: Counts } {
  const counts = { router: { total: 0, warnings: 0, errors: 0 }, service: { total: 0, warnings: 0, errors: 0 }, middleware: { total: 0, warnings: 0, errors: 0 } };
  for (const item of status.all()) {
    const c = counts[item.kind];
    c.total++;
    if (item.status === 'warning') c.warnings++;
    if (item.status === 'disabled') c.errors++;
  }
  return { routers: counts.router, services: counts.service, middlewares: counts.middleware };
}

interface Counts {
  total: number;
  warnings: number;
  errors: number;
}

const overview: Endpoint = (ctx, rt) => {
  writeJson(ctx, {
    http: countsOf(rt.status),
    tcp: countsOf(rt.tcp.status),
    udp: udpOverview(rt.udp),
    features: rt.api?.features ?? { tracing: '', metrics: '', accessLog: false },
    providers: rt.api?.providers ?? [],
    // pe-edge's own: what left a container or a file's item out is in no section above (Traefik's UI ignores the key).
    problems: problemCounts(rt),
  });
};

/** Traefik's rawdata keys: HTTP's sections by their own names, TCP's prefixed (`tcpRouters`). */
const RAW_KEYS = { http: { routers: 'routers', middlewares: 'middlewares', services: 'services' }, tcp: { routers: 'tcpRouters', middlewares: 'tcpMiddlewares', services: 'tcpServices' } } as const;

const rawdata: Endpoint = (ctx, rt) => {
  const out: Record<string, Record<string, Omit<RawItem, 'provider'>>> = {};
  for (const protocol of ['http', 'tcp'] as const) {
    const data = itemsOf(rt, protocol);
    for (const section of ['routers', 'middlewares', 'services'] as const) {
      const entries = Object.entries(data[section]);
      if (entries.length > 0) out[RAW_KEYS[protocol][section]] = Object.fromEntries(entries.map(([name, { provider: _provider, ...rest }]) => [name, rest]));
    }
  }
  writeJson(ctx, { ...out, ...udpRawData(rt.udp) });
};

const entryPointList: Endpoint = (ctx, rt) => {
  const eps = rt.api?.entryPoints ?? {};
  writeJson(ctx, Object.keys(eps).sort().map((name) => ({ ...(entryPointWithGoDurations(eps[name]) as object), name })));
};

function entryPoint(ctx: RequestContext, rt: Runtime, name: string): void {
  const ep = rt.api?.entryPoints[name];
  if (ep === undefined) writeMessage(ctx, 404, `entry point not found: ${name}`);
  else writeJson(ctx, { ...(entryPointWithGoDurations(ep) as object), name });
}

function named(rt: Runtime, protocol: Protocol, section: keyof RawData): NamedItem[] {
  return Object.entries(itemsOf(rt, protocol)[section]).map(([name, item]) => ({ ...item, name }));
}

function list(ctx: RequestContext, rt: Runtime, protocol: Protocol, section: keyof RawData, query: URLSearchParams): void {
  const page = listPage(section, named(rt, protocol, section), query);
  if ('error' in page) writeMessage(ctx, 400, page.error);
  else writeJson(ctx, page.items, { 'x-next-page': String(page.nextPage) });
}

function one(ctx: RequestContext, rt: Runtime, protocol: Protocol, section: keyof RawData, name: string): void {
  const item = itemsOf(rt, protocol)[section][name];
  if (item === undefined) writeMessage(ctx, 404, `${SINGULAR[section]} not found: ${name}`);
  else writeJson(ctx, { ...item, name });
}
