// The dashboard page: polls pe-edge's API (relative URLs, so it works behind a stripPrefix) and redraws.
// Built with DOM calls only (textContent, never innerHTML), so names and errors from configuration cannot inject markup.
import uPlot from 'uplot';
import { getJson } from './api-client.js';
import { badge, byId, childList, errorList, h, plural, serverItem, table, type Child, type Status } from './dom.js';
import { refreshTcpUdp } from './tcp-udp.js';

const POLL_MS = 2000;
const MAX_CHARTS = 12;

interface RawItem {
  status: Status;
  error?: string[];
  [key: string]: unknown;
}

interface RawData {
  routers?: Record<string, RawItem & { rule?: string; service?: string; middlewares?: string[]; using?: string[]; entryPoints?: string[]; priority?: number }>;
  services?: Record<string, RawItem & {
    type?: string; serverStatus?: Record<string, 'UP' | 'DOWN'>; usedBy?: string[]; loadBalancer?: { servers?: { url: string }[] };
    weighted?: { services?: { name: string; weight?: number }[] };
    highestRandomWeight?: { services?: { name: string; weight?: number }[] };
    mirroring?: { service?: string; mirrors?: { name: string; percent?: number }[] };
    failover?: { service?: string; fallback?: string };
  }>;
  middlewares?: Record<string, RawItem & { type?: string; usedBy?: string[] }>;
}

interface Series {
  requests: number[];
  errors: number[];
  latencyMeanMs: number[];
  latencyMaxMs: number[];
}

interface TrafficWindow {
  bucketSeconds: number;
  start: number;
  buckets: number;
  routers: Record<string, Series>;
  services: Record<string, Series>;
}

interface Problem {
  provider: string;
  severity: 'error' | 'warning';
  message: string;
  container?: string;
}

interface Change {
  at: string;
  cause: string;
  container?: string;
  added: { kind: string; name: string }[];
  removed: { kind: string; name: string }[];
  failed: { kind: string; name: string; errors: string[] }[];
  recovered: { kind: string; name: string }[];
  problems: Problem[];
}

interface Certificate {
  domains: string[];
  subject: string;
  issuer: string;
  notAfter: string;
  default: boolean;
}

interface EntryPoint {
  name: string;
  address: string;
}

interface Counts {
  total: number;
  warnings: number;
  errors: number;
}

interface Overview {
  http: Record<'routers' | 'services' | 'middlewares', Counts>;
  tcp?: Record<'routers' | 'services' | 'middlewares', Counts>;
  udp?: Record<'routers' | 'services', Counts>;
  providers: string[];
  /** Problems no item carries (containers left out, file key typos): the "Configuration problems" list. */
  problems?: { errors: number; warnings: number };
}

function countCard(label: string, key: string, c: Counts): HTMLElement {
  return h('div', { class: 'card', 'data-overview': key }, h('span', { class: 'muted' }, label), h('b', {}, String(c.total)),
    c.errors > 0 ? h('span', { class: 'badge disabled' }, plural(c.errors, 'error')) : null, ' ',
    c.warnings > 0 ? h('span', { class: 'badge warning' }, plural(c.warnings, 'warning')) : null);
}

function renderOverview(o: Overview): void {
  const cards = (['routers', 'services', 'middlewares'] as const).map((k) => countCard(k, k, o.http[k]));
  // TCP and UDP cards only when the configuration has such items, as their sections.
  for (const [protocol, counts] of [['tcp', o.tcp], ['udp', o.udp]] as const) {
    const entries = Object.entries(counts ?? {}) as [string, Counts][];
    if (entries.every(([, c]) => c.total === 0)) continue;
    for (const [k, c] of entries) cards.push(countCard(`${protocol.toUpperCase()} ${k}`, `${protocol}-${k}`, c));
  }
  const p = o.problems ?? { errors: 0, warnings: 0 };
  cards.push(h('div', { class: 'card', 'data-overview': 'problems' }, h('span', { class: 'muted' }, h('a', { href: '#problems' }, 'configuration problems')), h('b', {}, String(p.errors + p.warnings)),
    p.errors > 0 ? h('span', { class: 'badge disabled' }, plural(p.errors, 'error')) : null, ' ',
    p.warnings > 0 ? h('span', { class: 'badge warning' }, plural(p.warnings, 'warning')) : null));
  cards.push(h('div', { class: 'card' }, h('span', { class: 'muted' }, 'providers'), h('b', {}, o.providers.join(', ') || '—')));
  byId('overview').replaceChildren(...cards);
}

function renderRouters(raw: RawData): void {
  const rows = Object.entries(raw.routers ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) =>
    h('tr', { 'data-router': name },
      h('td', {}, h('code', {}, name)),
      h('td', {}, badge(r.status)),
      h('td', {}, h('code', {}, r.rule ?? ''), errorList(r.error)),
      h('td', {}, (r.using ?? r.entryPoints ?? []).join(', ')),
      h('td', {}, (r.middlewares ?? []).join(', ')),
      h('td', {}, h('code', {}, r.service ?? ''))));
  byId('routers').replaceChildren(table(['name', 'status', 'rule / errors', 'entrypoints', 'middlewares', 'service'], rows, 'no routers'));
}

/** What a service over other services sends to, in the servers column: its children and their part. */
function childServices(s: NonNullable<RawData['services']>[string]): Node {
  const children: [string, string][] = [];
  for (const c of s.weighted?.services ?? []) children.push([c.name, `weight ${c.weight ?? 1}`]);
  for (const c of s.highestRandomWeight?.services ?? []) children.push([c.name, `client IP hash, weight ${c.weight ?? 1}`]);
  if (s.mirroring?.service !== undefined) children.push([s.mirroring.service, 'main']);
  for (const m of s.mirroring?.mirrors ?? []) children.push([m.name, `mirror ${m.percent ?? 0}%`]);
  if (s.failover?.service !== undefined) children.push([s.failover.service, 'main']);
  if (s.failover?.fallback !== undefined) children.push([s.failover.fallback, 'fallback']);
  return childList(children);
}

function renderServices(raw: RawData, containers: Record<string, string>): void {
  const rows = Object.entries(raw.services ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => {
    const servers = Object.entries(s.serverStatus ?? {}).map(([url, state]) => serverItem(url, state, containers[url]));
    return h('tr', { 'data-service': name },
      h('td', {}, h('code', {}, name)),
      h('td', {}, badge(s.status), errorList(s.error)),
      h('td', {}, s.type ?? ''),
      h('td', {}, servers.length > 0 ? h('ul', { class: 'servers' }, servers) : childServices(s)),
      h('td', {}, (s.usedBy ?? []).join(', ')));
  });
  byId('services').replaceChildren(table(['name', 'status', 'type', 'servers', 'used by'], rows, 'no services'));
}

function renderMiddlewares(raw: RawData): void {
  const rows = Object.entries(raw.middlewares ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, m]) =>
    h('tr', { 'data-middleware': name },
      h('td', {}, h('code', {}, name)),
      h('td', {}, badge(m.status), errorList(m.error)),
      h('td', {}, m.type ?? ''),
      h('td', {}, (m.usedBy ?? []).join(', '))));
  byId('middlewares').replaceChildren(table(['name', 'status', 'type', 'used by'], rows, 'no middlewares'));
}

function renderEntryPoints(eps: EntryPoint[]): void {
  byId('entrypoints').replaceChildren(table(['name', 'address'], eps.map((e) => h('tr', { 'data-entrypoint': e.name }, h('td', {}, e.name), h('td', {}, h('code', {}, e.address)))), 'no entrypoints'));
}

function renderCertificates(certs: Certificate[]): void {
  const now = Date.now();
  const rows = certs.map((c) => {
    const days = Math.floor((Date.parse(c.notAfter) - now) / 86_400_000);
    return h('tr', {},
      h('td', {}, c.domains.join(', ') || c.subject, c.default ? h('span', { class: 'muted' }, ' (default)') : null),
      h('td', {}, c.issuer),
      h('td', { class: days < 14 ? 'expiring' : '' }, `${c.notAfter.slice(0, 10)} (${days} days)`));
  });
  byId('certificates').replaceChildren(table(['domains', 'issuer', 'expires'], rows, 'no certificates'));
}

function renderProblems(problems: Problem[]): void {
  const rows = problems.map((p) => h('tr', {}, h('td', {}, badge(p.severity === 'error' ? 'error' : 'warning')), h('td', {}, p.provider), h('td', {}, p.message)));
  byId('problems').replaceChildren(table(['', 'provider', 'problem'], rows, 'none'));
}

function renderChanges(changes: Change[]): void {
  const names = (label: string, items: { kind: string; name: string }[]): Child =>
    items.length === 0 ? null : h('li', {}, `${label}: `, items.map((i) => `${i.kind} ${i.name}`).join(', '));
  const rows = changes.slice(0, 30).map((c) => h('tr', {},
    h('td', {}, new Date(c.at).toLocaleTimeString()),
    h('td', {}, c.cause, c.container !== undefined ? h('span', { class: 'muted' }, ` (${c.container})`) : null),
    h('td', {}, h('ul', { class: 'changes' },
      names('added', c.added),
      names('removed', c.removed),
      c.failed.map((f) => h('li', { class: 'warn-text' }, `failed: ${f.kind} ${f.name}: ${f.errors.join('; ')}`)),
      names('recovered', c.recovered),
      c.problems.map((p) => h('li', { class: 'warn-text' }, `${p.provider}: ${p.message}`))))));
  byId('changes').replaceChildren(table(['when', 'cause', 'what'], rows, 'no change yet'));
}

interface ChartPair {
  box: HTMLElement;
  rate: uPlot;
  latency: uPlot;
}

const charts = new Map<string, ChartPair>();

function chartOptions(title: string, series: { label: string; stroke: string }[], unit: string): uPlot.Options {
  return {
    title,
    width: 310,
    height: 120,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, unit === 'ms' ? 1 : 0.1)] } },
    axes: [{ size: 30 }, { size: 40 }],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, points: { show: false } }))],
  };
}

function renderCharts(t: TrafficWindow): void {
  const container = byId('charts');
  const xs = Array.from({ length: t.buckets }, (_, i) => t.start + i * t.bucketSeconds);
  const all: [string, Series][] = [
    ...Object.entries(t.routers).map(([n, s]) => [`router ${n}`, s] as [string, Series]),
    ...Object.entries(t.services).map(([n, s]) => [`service ${n}`, s] as [string, Series]),
  ];
  const total = (s: Series): number => s.requests.reduce((a, b) => a + b, 0);
  const shown = all.sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0])).slice(0, MAX_CHARTS);
  const keep = new Set(shown.map(([k]) => k));
  for (const [key, pair] of charts) {
    if (keep.has(key)) continue;
    pair.rate.destroy();
    pair.latency.destroy();
    pair.box.remove();
    charts.delete(key);
  }
  if (shown.length === 0) {
    if (container.querySelector('.empty') === null) container.replaceChildren(h('p', { class: 'empty' }, 'no traffic in the last hour'));
    return;
  }
  container.querySelector('.empty')?.remove();
  for (const [key, s] of shown) {
    const rate = s.requests.map((n) => n / t.bucketSeconds);
    const errorRate = s.errors.map((n) => n / t.bucketSeconds);
    const rateData: uPlot.AlignedData = [xs, rate, errorRate];
    const latencyData: uPlot.AlignedData = [xs, s.latencyMeanMs, s.latencyMaxMs];
    let pair = charts.get(key);
    if (pair === undefined) {
      const box = h('div', { class: 'chart', 'data-chart': key }, h('h3', {}, key));
      container.append(box);
      pair = {
        box,
        rate: new uPlot(chartOptions('requests/s', [{ label: 'req/s', stroke: '#1f6feb' }, { label: '5xx/s', stroke: '#cf222e' }], '/s'), rateData, box),
        latency: new uPlot(chartOptions('latency ms', [{ label: 'mean', stroke: '#8250df' }, { label: 'max', stroke: '#bf8700' }], 'ms'), latencyData, box),
      };
      charts.set(key, pair);
    } else {
      pair.rate.setData(rateData);
      pair.latency.setData(latencyData);
    }
  }
}

async function refresh(): Promise<void> {
  const [version, overview, eps, raw, traffic, changes, certs, containers] = await Promise.all([
    getJson<{ Version: string }>('../api/version'),
    getJson<Overview>('../api/overview'),
    getJson<EntryPoint[]>('../api/entrypoints'),
    getJson<RawData>('../api/rawdata'),
    getJson<TrafficWindow | null>('../api/pe-edge/timeseries'),
    getJson<{ changes: Change[]; problems: Problem[] }>('../api/pe-edge/changes'),
    getJson<Certificate[]>('../api/pe-edge/certificates'),
    getJson<Record<string, string>>('../api/pe-edge/containers'),
  ]);
  byId('version').textContent = `v${version.Version}`;
  renderOverview(overview);
  renderRouters(raw);
  renderServices(raw, containers);
  renderMiddlewares(raw);
  await refreshTcpUdp(overview, containers);
  renderEntryPoints(eps);
  renderCertificates(certs);
  renderProblems(changes.problems);
  renderChanges(changes.changes);
  if (traffic !== null) renderCharts(traffic);
  byId('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset['loaded'] = String(Number(document.body.dataset['loaded'] ?? '0') + 1);
}

async function loop(): Promise<void> {
  try {
    await refresh();
  } catch (err) {
    byId('updated').textContent = `update failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  setTimeout(() => void loop(), POLL_MS);
}

void loop();
