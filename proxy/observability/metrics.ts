import type { X509Certificate } from 'node:crypto';
// Traefik's Prometheus metrics, exposed by `prometheus@internal` from a private prom-client Registry.
// Request series are plain objects found by one Map lookup per scope (entrypoint, router, service) and
// bumped in place; prom-client only formats them at scrape time, so a request never hashes label sets.
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import type { Handler, RequestContext } from '../http/request-context.js';
import { firstHeaderValue } from '../http/request-header-edit.js';
import { sendBody } from '../http/traefik-responses.js';
import { codeLabel, methodLabel, protocolLabel, tlsVersionLabel } from './metric-labels.js';
import type { ExchangeFault } from '../http/exchange-fault.js';
import { responseBodySize } from './response-size.js';

export interface PrometheusOptions {
  /** metrics.addInternals: also measure requests of `@internal` routers and services. */
  addInternals: boolean;
  buckets: readonly number[];
  addEntryPointsLabels: boolean;
  addRoutersLabels: boolean;
  addServicesLabels: boolean;
  /** Prometheus label → request header, added to the `*_requests_total` counters. */
  headerLabels: Readonly<Record<string, string>>;
}

type Labels = Record<string, string>;
interface Series {
  readonly labels: Labels;
  value: number;
}
interface HistogramSeries {
  readonly labels: Labels;
  /** Per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}
interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** Labels with names sorted, as Go's client prints them. */
function sortedLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k] as string;
  return out;
}

/**
 * How `--workers` adds one family up across processes (prom-client's aggregators): `sum` for what each worker
 * counts apart; `max` for what every worker does alike (config reloads, certificates served); `min` for
 * health, so a server any worker sees down is reported down.
 */
type Aggregator = 'sum' | 'max' | 'min';

/** A counter or gauge family; `get()` is what prom-client's Registry formats. */
class Family {
  readonly series = new Map<string, Series>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge',
    private readonly live: (() => MetricValue[]) | null = null, private readonly aggregator: Aggregator = 'sum') {}

  child(key: string, labels: Labels): Series {
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: sortedLabels(labels), value: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values = this.live !== null ? this.live() : [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

class HistogramFamily {
  readonly type = 'histogram';
  readonly series = new Map<string, HistogramSeries>();
  private readonly le: string[];
  constructor(readonly name: string, readonly help: string, private readonly buckets: readonly number[]) {
    this.le = [...buckets.map((b) => String(b)), '+Inf'];
  }

  child(key: string, labels: Labels): HistogramSeries {
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: sortedLabels(labels), counts: new Array<number>(this.le.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  observe(s: HistogramSeries, v: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && v > (b[i] as number)) i++;
    (s.counts[i] as number)++;
    s.sum += v;
    s.count++;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.le.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: this.le[i] as string }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}

/** The series one request touches in one scope, found together by one key. */
interface Bundle {
  requests: Series;
  duration: HistogramSeries;
  requestBytes: Series;
  responseBytes: Series;
}

/** What one request tells every scope, computed once. */
interface Observation {
  code: string;
  method: string;
  protocol: string;
  seconds: number;
  requestBytes: number;
  responseBytes: number;
  /** `tls_version\0tls_cipher`, null for plain HTTP. */
  tls: { version: string; cipher: string } | null;
  ctx: RequestContext;
}

/** The `traefik_<scope>_*` request families: entrypoint, router or service. */
class RequestScope {
  private readonly requests: Family;
  private readonly tlsRequests: Family;
  private readonly duration: HistogramFamily;
  private readonly requestBytes: Family;
  private readonly responseBytes: Family;
  private readonly bundles = new Map<string, Bundle>();
  private readonly headerRequests = new Map<string, Series>();
  private readonly headerNames: [label: string, header: string][];

  constructor(registry: Registry, scope: 'entrypoint' | 'router' | 'service', what: string, buckets: readonly number[], headerLabels: Readonly<Record<string, string>>) {
    const p = `traefik_${scope}`;
    this.requests = new Family(`${p}_requests_total`, `How many HTTP requests processed on ${what}, partitioned by status code, protocol, and method.`, 'counter');
    this.tlsRequests = new Family(`${p}_requests_tls_total`, `How many HTTP requests with TLS processed on ${what}, partitioned by TLS Version and TLS cipher Used.`, 'counter');
    this.duration = new HistogramFamily(`${p}_request_duration_seconds`, `How long it took to process the request on ${what}, partitioned by status code, protocol, and method.`, buckets);
    this.requestBytes = new Family(`${p}_requests_bytes_total`, `The total size of requests in bytes handled by ${what}, partitioned by status code, protocol, and method.`, 'counter');
    this.responseBytes = new Family(`${p}_responses_bytes_total`, `The total size of responses in bytes handled by ${what}, partitioned by status code, protocol, and method.`, 'counter');
    for (const f of [this.requests, this.tlsRequests, this.duration, this.requestBytes, this.responseBytes]) registry.registerMetric(f as unknown as Metric);
    this.headerNames = Object.entries(headerLabels).map(([label, h]) => [label, h.toLowerCase()]);
  }

  record(scopeKey: string, scopeLabels: Labels, o: Observation): void {
    const key = `${scopeKey}\0${o.code}\0${o.method}\0${o.protocol}`;
    let b = this.bundles.get(key);
    if (b === undefined) {
      const labels = { ...scopeLabels, code: o.code, method: o.method, protocol: o.protocol };
      b = {
        requests: this.requests.child(key, labels),
        duration: this.duration.child(key, labels),
        requestBytes: this.requestBytes.child(key, labels),
        responseBytes: this.responseBytes.child(key, labels),
      };
      this.bundles.set(key, b);
    }
    if (this.headerNames.length === 0) b.requests.value++;
    else this.headerSeries(key, scopeLabels, o).value++;
    this.duration.observe(b.duration, o.seconds);
    b.requestBytes.value += o.requestBytes;
    b.responseBytes.value += o.responseBytes;
    if (o.tls !== null) {
      const tlsKey = `${scopeKey}\0${o.tls.version}\0${o.tls.cipher}`;
      this.tlsRequests.child(tlsKey, { ...scopeLabels, tls_version: o.tls.version, tls_cipher: o.tls.cipher }).value++;
    }
  }

  /** headerLabels: the requests counter is keyed by the header values too. */
  private headerSeries(key: string, scopeLabels: Labels, o: Observation): Series {
    const headers = o.ctx.req.headers;
    const values = this.headerNames.map(([, h]) => firstHeaderValue(headers[h]));
    const full = `${key}\0${values.join('\0')}`;
    let s = this.headerRequests.get(full);
    if (s === undefined) {
      const labels: Labels = { ...scopeLabels, code: o.code, method: o.method, protocol: o.protocol };
      this.headerNames.forEach(([label], i) => (labels[label] = values[i] as string));
      s = this.requests.child(full, labels);
      this.headerRequests.set(full, s);
    }
    return s;
  }
}

export interface PrometheusMetrics {
  /** Per request, after its response (compose with the access log's hook). */
  readonly onRequestDone: (ctx: RequestContext) => void;
  /** The `prometheus@internal` service: answers the scrape. */
  readonly handler: Handler;
  /** +1 on traefik_config_reloads_total and the timestamp of traefik_config_last_reload_success. */
  configApplied(): void;
  /** traefik_service_server_up (health checks: 1 up, 0 down). */
  serverUp(service: string, url: string, up: boolean): void;
  /** traefik_open_connections reads this at scrape time: open TCP connections per entrypoint. */
  setConnectionSource(source: () => Iterable<readonly [entryPoint: string, count: number]>): void;
  /** pe_edge_exchange_faults_total: an error raised for one exchange, which ended it (never the process). */
  exchangeFault(fault: ExchangeFault): void;
  /** traefik_tls_certs_not_after reads this at scrape time: the certificates being served. */
  setCertificateSource(source: () => Iterable<X509Certificate>): void;
  /** What a scrape answers; by default this process's registry (`--workers` aggregates every worker's). */
  setScrapeSource(source: () => Promise<string>): void;
  readonly registry: Registry;
}

function requestSize(ctx: RequestContext): number {
  if (ctx.body !== null) return ctx.body.length;
  const length = ctx.req.headers['content-length'];
  return length === undefined ? 0 : Number(length) || 0;
}

function isInternal(name: string): boolean {
  return name.endsWith('@internal');
}

export function createPrometheusMetrics(options: PrometheusOptions): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const reloads = new Family('traefik_config_reloads_total', 'Config reloads', 'counter', null, 'max');
  const lastReload = new Family('traefik_config_last_reload_success', 'Last config reload success', 'gauge', null, 'max');
  let connections: () => Iterable<readonly [string, number]> = () => [];
  const openConnections = new Family('traefik_open_connections', 'How many open connections exist, by entryPoint and protocol', 'gauge', () =>
    [...connections()].map(([entrypoint, value]) => ({ labels: { entrypoint, protocol: 'TCP' }, value })),
  );
  let certificates: () => Iterable<X509Certificate> = () => [];
  const certsNotAfter = new Family('traefik_tls_certs_not_after', 'Certificate expiration timestamp', 'gauge', () =>
    [...certificates()].map((x509) => ({ labels: certificateLabels(x509), value: Math.floor(new Date(x509.validTo).getTime() / 1000) })),
    'max',
  );
  // pe-edge's own (Traefik has none): errors that ended one exchange instead of the process.
  const faults = new Family('pe_edge_exchange_faults_total', 'Errors raised while serving one request, which ended that request, by entrypoint, router and stage', 'counter');
  for (const f of [reloads, lastReload, openConnections, certsNotAfter, faults]) registry.registerMetric(f as unknown as Metric);
  const reloadSeries = reloads.child('', {});
  const lastReloadSeries = lastReload.child('', {});

  const buckets = [...options.buckets].sort((a, b) => a - b);
  const entryPoints = options.addEntryPointsLabels ? new RequestScope(registry, 'entrypoint', 'an entrypoint', buckets, options.headerLabels) : null;
  const routers = options.addRoutersLabels ? new RequestScope(registry, 'router', 'a router', buckets, options.headerLabels) : null;
  const services = options.addServicesLabels ? new RequestScope(registry, 'service', 'a service', buckets, options.headerLabels) : null;
  const retries = services !== null ? new Family('traefik_service_retries_total', 'How many request retries happened on a service.', 'counter') : null;
  const serverUpFamily = services !== null ? new Family('traefik_service_server_up', 'service server is up, described by gauge value of 0 or 1.', 'gauge', null, 'min') : null;
  for (const f of [retries, serverUpFamily]) if (f !== null) registry.registerMetric(f as unknown as Metric);

  // Scope label objects, one per name, reused by every new series.
  const scopeLabels = new Map<string, Labels>();
  const labelsOf = (key: string, make: () => Labels): Labels => {
    let l = scopeLabels.get(key);
    if (l === undefined) scopeLabels.set(key, (l = make()));
    return l;
  };

  const onRequestDone = (ctx: RequestContext): void => {
    const router = ctx.routerName;
    const service = ctx.serviceName;
    if (!options.addInternals && (isInternal(router) || isInternal(service))) return;
    const res = ctx.res;
    const protocol = protocolLabel(ctx.req.headers);
    // A client gone before any answer: Traefik records 499.
    const status = res.headersSent ? res.statusCode : 499;
    const grpc = protocol === 'grpc' || protocol === 'grpc-web' ? res.sentHeader('grpc-status') : undefined;
    let tls: Observation['tls'] = null;
    if (ctx.tls) {
      const socket = ctx.req.socket;
      tls = { version: tlsVersionLabel(socket.getProtocol?.()), cipher: socket.getCipher?.()?.standardName ?? 'unknown' };
    }
    const o: Observation = {
      code: codeLabel(protocol, status, grpc),
      method: methodLabel(ctx.method),
      protocol,
      seconds: Number(process.hrtime.bigint() - ctx.startedAt) / 1e9,
      requestBytes: requestSize(ctx),
      responseBytes: responseBodySize(ctx),
      tls,
      ctx,
    };
    const ep = ctx.entryPoint;
    if (entryPoints !== null) entryPoints.record(ep, labelsOf(`e\0${ep}`, () => ({ entrypoint: ep })), o);
    if (router === '' || service === '') return;
    if (routers !== null) {
      const key = `${router}\0${service}`;
      routers.record(key, labelsOf(`r\0${key}`, () => ({ router, service })), o);
    }
    if (services !== null) {
      const labels = labelsOf(`s\0${service}`, () => ({ service }));
      services.record(service, labels, o);
      const n = ctx.retries;
      if (n > 0 && retries !== null) retries.child(service, labels).value += n;
    }
  };

  let scrape = (): Promise<string> => registry.metrics();
  const handler: Handler = (ctx) => {
    ctx.serviceName = 'prometheus@internal';
    scrape().then(
      (text) => sendBody(ctx, 200, registry.contentType, text),
      (err: unknown) => sendBody(ctx, 500, 'text/plain; charset=utf-8', `An error has occurred while serving metrics:\n\n${err instanceof Error ? err.message : String(err)}\n`),
    );
  };

  return {
    onRequestDone,
    handler,
    registry,
    configApplied(): void {
      reloadSeries.value++;
      lastReloadSeries.value = Math.floor(Date.now() / 1000);
    },
    serverUp(service, url, up): void {
      if (serverUpFamily !== null) serverUpFamily.child(`${service}\0${url}`, { service, url }).value = up ? 1 : 0;
    },
    setConnectionSource(source): void {
      connections = source;
    },
    setCertificateSource(source): void {
      certificates = source;
    },
    setScrapeSource(source): void {
      scrape = source;
    },
    exchangeFault(fault): void {
      const { entryPoint: entrypoint, router, stage } = fault;
      faults.child(`${entrypoint}\0${router}\0${stage}`, { entrypoint, router, stage }).value++;
    },
  };
}

/** Traefik's labels: subject CN, serial in decimal (Go's big.Int), DNS names joined by commas. */
function certificateLabels(x509: X509Certificate): Labels {
  const cn = x509.subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? '';
  const sans = (x509.subjectAltName ?? '').split(', ').filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice(4));
  return { cn, serial: BigInt(`0x${x509.serialNumber}`).toString(10), sans: sans.join(',') };
}

/** One end-of-request hook out of several (access log, metrics); null when none is on. */
export function composeRequestHooks(...hooks: (((ctx: RequestContext) => void) | null)[]): ((ctx: RequestContext) => void) | null {
  const on = hooks.filter((h): h is (ctx: RequestContext) => void => h !== null);
  if (on.length === 0) return null;
  if (on.length === 1) return on[0] as (ctx: RequestContext) => void;
  return (ctx) => {
    for (const h of on) h(ctx);
  };
}
