import type { X509Certificate } from 'node:crypto';
// Traefik's Prometheus metrics, exposed by `prometheus@internal` from a private prom-client Registry.
// Request series are found by one Map lookup per scope (entrypoint, router, service) and bumped in place;
// where they live and why is metric-series.ts. A request never hashes a label set in the production store.
import { collectDefaultMetrics, Counter, Gauge, Registry, type Histogram } from 'prom-client';
import type { Handler, RequestContext } from '../http/request-context.js';
import { firstHeaderValue } from '../http/request-header-edit.js';
import { sendBody } from '../http/traefik-responses.js';
import { codeLabel, methodLabel, protocolLabel, tlsVersionLabel } from './metric-labels.js';
import type { ExchangeFault } from '../http/exchange-fault.js';
import { requestBodySize, responseBodySize } from './response-size.js';
import { finalStatus } from './final-status.js';
import { droppedLogLines, LOG_BUFFER_MAX_BYTES } from './log-destination.js';
import { compressStreams } from '../middlewares/response/stream-budget.js';
import { plainSeries, RenamedCounter, RenamedHistogram, type CounterChild, type Family, type HistogramChild, type Labels, type SeriesStore } from './metric-series.js';

export interface PrometheusOptions {
  /** metrics.addInternals: also measure requests of `@internal` routers and services. */
  addInternals: boolean;
  buckets: readonly number[];
  addEntryPointsLabels: boolean;
  addRoutersLabels: boolean;
  addServicesLabels: boolean;
  /** Prometheus label → request header, added to the `*_requests_total` counters. */
  headerLabels: Readonly<Record<string, string>>;
  /**
   * pe-edge's own: also show the service series under Traefik v1's names, `traefik_backend_requests_total` and
   * `traefik_backend_request_duration_seconds` (label `backend`), for dashboards written against v1. Default true.
   */
  compatibilityNames?: boolean;
  /** Where series live (metric-series.ts); the production store unless a bench compares. */
  store?: SeriesStore;
}

/** What the compress middleware's cache of compressed bodies has counted (`CompressedBodyCache`), read when scraped. */
export interface CompressCacheNumbers {
  readonly hits: number;
  readonly misses: number;
  /** Entries kept. */
  readonly size: number;
  /** Bytes counted against the budget. */
  readonly usedBytes: number;
  readonly maxBytes: number;
}

/** What compress's gzip templates (gzip-templates.ts) have done, read at scrape time. */
export interface CompressTemplateNumbers {
  /** Pages sent from a template. */
  readonly served: number;
  /** Templates made. */
  readonly made: number;
  readonly usedBytes: number;
  readonly maxBytes: number;
}

/** What one request tells every scope, computed once. */
interface Observation {
  code: string;
  method: string;
  protocol: string;
  /** `code\0method\0protocol`: which of a scope's bundles this request bumps. */
  variant: string;
  seconds: number;
  requestBytes: number;
  responseBytes: number;
  tls: { version: string; cipher: string } | null;
  ctx: RequestContext;
}

/**
 * One scope's series (an entrypoint; a router and its service; a service), found by the hook without building a
 * key: its bundles by the request's variant, its TLS counters by version and cipher. Dropped by `retain` with the
 * scope.
 */
interface Scope {
  /** `e\0entrypoint`, `r\0router\0service`, `s\0service`: what `retain` judges. */
  readonly key: string;
  readonly labels: Labels;
  readonly bundles: Map<string, Bundle>;
  readonly tls: Map<string, Map<string, CounterChild>>;
}

function newScope(key: string, labels: Labels): Scope {
  return { key, labels, bundles: new Map(), tls: new Map() };
}

/** The series one request touches in one scope, found together by one key. */
interface Bundle {
  /** null with headerLabels: the requests counter is then keyed by the header values too. */
  requests: CounterChild | null;
  duration: HistogramChild;
  requestBytes: CounterChild;
  responseBytes: CounterChild;
  /** The series' key in the families: `scope\0code\0method\0protocol`. */
  key: string;
}

/** The labels naming a scope, before code, method and protocol. */
const SCOPE_LABELS = { entrypoint: ['entrypoint'], router: ['router', 'service'], service: ['service'] } as const;

/** The `traefik_<scope>_*` request families: entrypoint, router or service. */
class RequestScope {
  readonly requests: Family<CounterChild, Counter>;
  private readonly tlsRequests: Family<CounterChild>;
  readonly duration: Family<HistogramChild, Histogram>;
  private readonly requestBytes: Family<CounterChild>;
  private readonly responseBytes: Family<CounterChild>;
  private readonly headerNames: [label: string, header: string][];

  constructor(store: SeriesStore, registry: Registry, scope: keyof typeof SCOPE_LABELS, what: string, buckets: readonly number[], headerLabels: Readonly<Record<string, string>>) {
    const p = `traefik_${scope}`;
    const labels = [...SCOPE_LABELS[scope], 'code', 'method', 'protocol'];
    this.headerNames = Object.entries(headerLabels).map(([label, h]) => [label, h.toLowerCase()]);
    this.requests = store.counter(registry, `${p}_requests_total`, `How many HTTP requests processed on ${what}, partitioned by status code, protocol, and method.`, [...labels, ...this.headerNames.map(([l]) => l)]);
    this.tlsRequests = store.counter(registry, `${p}_requests_tls_total`, `How many HTTP requests with TLS processed on ${what}, partitioned by TLS Version and TLS cipher Used.`, [...SCOPE_LABELS[scope], 'tls_version', 'tls_cipher']);
    this.duration = store.histogram(registry, `${p}_request_duration_seconds`, `How long it took to process the request on ${what}, partitioned by status code, protocol, and method.`, labels, buckets);
    this.requestBytes = store.counter(registry, `${p}_requests_bytes_total`, `The total size of requests in bytes handled by ${what}, partitioned by status code, protocol, and method.`, labels);
    this.responseBytes = store.counter(registry, `${p}_responses_bytes_total`, `The total size of responses in bytes handled by ${what}, partitioned by status code, protocol, and method.`, labels);
  }

  record(scope: Scope, o: Observation): void {
    const scopeKey = scope.key;
    let b = scope.bundles.get(o.variant);
    if (b === undefined) {
      const key = `${scopeKey}\0${o.variant}`;
      const labels = { ...scope.labels, code: o.code, method: o.method, protocol: o.protocol };
      b = {
        requests: this.headerNames.length === 0 ? this.requests.child(key, labels, scopeKey) : null,
        duration: this.duration.child(key, labels, scopeKey),
        requestBytes: this.requestBytes.child(key, labels, scopeKey),
        responseBytes: this.responseBytes.child(key, labels, scopeKey),
        key,
      };
      scope.bundles.set(o.variant, b);
    }
    if (b.requests !== null) b.requests.inc(1);
    else this.headerSeries(b.key, scopeKey, scope.labels, o).inc(1);
    b.duration.observe(o.seconds);
    b.requestBytes.inc(o.requestBytes);
    b.responseBytes.inc(o.responseBytes);
    if (o.tls !== null) {
      const { version, cipher } = o.tls;
      let byCipher = scope.tls.get(version);
      if (byCipher === undefined) scope.tls.set(version, (byCipher = new Map()));
      let tls = byCipher.get(cipher);
      if (tls === undefined) {
        tls = this.tlsRequests.child(`${scopeKey}\0${version}\0${cipher}`, { ...scope.labels, tls_version: version, tls_cipher: cipher }, scopeKey);
        byCipher.set(cipher, tls);
      }
      tls.inc(1);
    }
  }

  /** headerLabels: one requests series per set of header values (absent headers give ""). */
  private headerSeries(key: string, scopeKey: string, scopeLabels: Labels, o: Observation): CounterChild {
    const headers = o.ctx.req.headers;
    const values = this.headerNames.map(([, h]) => firstHeaderValue(headers[h]));
    const labels: Labels = { ...scopeLabels, code: o.code, method: o.method, protocol: o.protocol };
    this.headerNames.forEach(([label], i) => (labels[label] = values[i] as string));
    return this.requests.child(`${key}\0${values.join('\0')}`, labels, scopeKey);
  }

  /** Forgets every series of a scope `gone` names (a removed router or service). */
  drop(gone: (scope: string) => boolean): void {
    for (const f of [this.requests, this.tlsRequests, this.duration, this.requestBytes, this.responseBytes]) f.drop(gone);
  }
}

/** What a configuration has now: series of anything else are dropped when it is applied. */
export interface LiveItems {
  readonly routers: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  /** Health-checked servers per service (traefik_service_server_up). */
  readonly servers: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface PrometheusMetrics {
  /** Per request, after its response (compose with the access log's hook). */
  readonly onRequestDone: (ctx: RequestContext) => void;
  /** The `prometheus@internal` service: answers the scrape. */
  readonly handler: Handler;
  /** +1 on traefik_config_reloads_total and the timestamp of traefik_config_last_reload_success. */
  configApplied(): void;
  /**
   * A provider's new configuration could not be read, the last good one stays: +1 on
   * traefik_config_reloads_failure_total and the timestamp of traefik_config_last_reload_failure.
   */
  configFailed(): void;
  /** A configuration is applied: the series of routers, services and health-checked servers it no longer has go. */
  retain(live: LiveItems): void;
  /** traefik_service_server_up (health checks: 1 up, 0 down). */
  serverUp(service: string, url: string, up: boolean): void;
  /** pe_edge_provider_up: 1 while a provider reaches its source (the Docker engine), 0 while it cannot. */
  providerUp(provider: string, up: boolean): void;
  /** traefik_open_connections reads this at scrape time: open TCP connections per entrypoint. */
  setConnectionSource(source: () => Iterable<readonly [entryPoint: string, count: number]>): void;
  /** pe_edge_exchange_faults_total: an error raised for one exchange, which ended it (never the process). */
  exchangeFault(fault: ExchangeFault): void;
  /** pe_edge_ratelimit_redis_errors_total: a rateLimit's Redis call failed or timed out, and its request was answered 500. */
  rateLimitRedisError(middleware: string): void;
  /** traefik_tls_certs_not_after reads this at scrape time: the certificates being served. */
  setCertificateSource(source: () => Iterable<X509Certificate>): void;
  /** The pe_edge_compress_cache_* families read this process's compressed-body cache at scrape time. */
  setCompressCacheSource(cache: CompressCacheNumbers): void;
  /** The pe_edge_compress_templates_* families read this process's gzip templates at scrape time. */
  setCompressTemplatesSource(templates: CompressTemplateNumbers): void;
  /** What a scrape answers; by default this process's registry (`--workers` aggregates every worker's). */
  setScrapeSource(source: () => Promise<string>): void;
  readonly registry: Registry;
}

function isInternal(name: string): boolean {
  return name.endsWith('@internal');
}

export function createPrometheusMetrics(options: PrometheusOptions): PrometheusMetrics {
  const store = options.store ?? plainSeries;
  const registry = new Registry();
  // process_*, nodejs_* (event-loop lag among them: nodejs_eventloop_lag_seconds and its percentiles), as Traefik's Go and process collectors.
  collectDefaultMetrics({ register: registry });
  // How `--workers` adds one family up across processes (prom-client's aggregators): `sum` for what each worker
  // counts apart; `max` for what every worker does alike (config reloads, certificates served); `min` for
  // health, so a server any worker sees down is reported down.
  const reloads = store.counter(registry, 'traefik_config_reloads_total', 'Config reloads', [], 'max');
  const lastReload = store.gauge(registry, 'traefik_config_last_reload_success', 'Last config reload success', [], 'max');
  // Traefik v2's names, which v3 removed; pe-edge keeps them for the alert "a configuration could not be applied".
  const reloadFailures = store.counter(registry, 'traefik_config_reloads_failure_total', 'Config failure reloads', [], 'max');
  const lastFailure = store.gauge(registry, 'traefik_config_last_reload_failure', 'Last config reload failure', [], 'max');
  // pe-edge's own: Traefik shows an unreachable Docker engine only in its log.
  const providerUpFamily = store.gauge(registry, 'pe_edge_provider_up', 'Whether a provider reaches its source (the Docker engine): 1 or 0', ['provider'], 'min');
  let connections: () => Iterable<readonly [string, number]> = () => [];
  // Gauges read at scrape time through prom-client's collect() hook.
  new Gauge({
    name: 'traefik_open_connections',
    help: 'How many open connections exist, by entryPoint and protocol',
    labelNames: ['entrypoint', 'protocol'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [entrypoint, value] of connections()) this.set({ entrypoint, protocol: 'TCP' }, value);
    },
  });
  let certificates: () => Iterable<X509Certificate> = () => [];
  new Gauge({
    name: 'traefik_tls_certs_not_after',
    help: 'Certificate expiration timestamp',
    labelNames: ['cn', 'serial', 'sans'],
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const x509 of certificates()) this.set(certificateLabels(x509), Math.floor(new Date(x509.validTo).getTime() / 1000));
    },
  });
  // pe-edge's own (Traefik has none): errors that ended one exchange instead of the process.
  const faults = store.counter(registry, 'pe_edge_exchange_faults_total', 'Errors raised while serving one request, which ended that request, by entrypoint, router and stage', ['entrypoint', 'router', 'stage']);
  // pe-edge's own (Traefik only logs): requests a rateLimit answered 500 because Redis failed.
  const redisErrors = store.counter(registry, 'pe_edge_ratelimit_redis_errors_total', 'Calls to Redis by a rateLimit that failed or timed out, each answering its request 500, by middleware', ['middleware']);
  // pe-edge's own: how often compress sent a body compressed before from memory. Read at scrape time, so a
  // request pays nothing beyond the cache's own counting; `--workers` each have a cache, and prom-client's
  // default aggregator sums them.
  let compressCache: CompressCacheNumbers | null = null;
  // A family whose value is read from its source when scraped (0 before the source is set).
  const scraped = <Source>(kind: 'counter' | 'gauge', source: () => Source | null) => (name: string, help: string, read: (from: Source) => number): void => {
    const value = (): number => {
      const from = source();
      return from === null ? 0 : read(from);
    };
    if (kind === 'counter') {
      new Counter({ name, help, registers: [registry], collect() {
        this.reset();
        this.inc(value());
      } });
    } else {
      new Gauge({ name, help, registers: [registry], collect() {
        this.set(value());
      } });
    }
  };
  const compressCacheCounter = scraped('counter', () => compressCache);
  const compressCacheGauge = scraped('gauge', () => compressCache);
  compressCacheCounter('pe_edge_compress_cache_hits_total', 'Bodies compress sent from its cache of compressed bodies instead of compressing them again', (c) => c.hits);
  compressCacheCounter('pe_edge_compress_cache_misses_total', 'Bodies compress could keep but found no compressed form of in its cache, so compressed', (c) => c.misses);
  compressCacheGauge('pe_edge_compress_cache_entries', 'Compressed bodies kept by compress', (c) => c.size);
  compressCacheGauge('pe_edge_compress_cache_bytes', 'Bytes the compressed bodies kept by compress count against its budget: each its compressed bytes, the body it is of (kept to confirm hits), its key and 512 bytes of bookkeeping', (c) => c.usedBytes);
  compressCacheGauge('pe_edge_compress_cache_max_bytes', 'The byte budget of compress\'s cache of compressed bodies: 8 MiB per process, summed over --workers', (c) => c.maxBytes);
  // pe-edge's own: how often a one-off gzip page went out from a template (a page like the last of its key but for
  // a token). Read at scrape time; `--workers` sum.
  let compressTemplates: CompressTemplateNumbers | null = null;
  const templateCounter = scraped('counter', () => compressTemplates);
  const templateGauge = scraped('gauge', () => compressTemplates);
  templateCounter('pe_edge_compress_templates_pages_total', 'One-off gzip pages compress sent from a template (the page before it of the same router, Host, credentials and length the same but for one small region) instead of compressing them', (t) => t.served);
  templateCounter('pe_edge_compress_templates_made_total', 'gzip templates compress made (each about two compressions)', (t) => t.made);
  templateGauge('pe_edge_compress_templates_bytes', 'Bytes compress\'s gzip templates and the pages waiting to make one count against their budget', (t) => t.usedBytes);
  templateGauge('pe_edge_compress_templates_max_bytes', 'The byte budget of compress\'s gzip templates: 4 MiB per process, summed over --workers', (t) => t.maxBytes);
  // pe-edge's own: the memory compress's streamed answers hold in their compressors (stream-budget.ts), and the
  // answers sent uncompressed because that budget was spent. Read at scrape time; `--workers` sum.
  new Gauge({ name: 'pe_edge_compress_streams_bytes', help: 'Memory the compressors of answers compress is streaming hold, as estimated per compressor (gzip 1 MiB; zstd 2 MiB and its window; brotli 2 MiB and four times its window; a window is the answer\'s length up to 4 MiB, or what it has taken in when its length is unknown)', registers: [registry], collect() {
    this.set(compressStreams.heldBytes);
  } });
  new Gauge({ name: 'pe_edge_compress_streams_max_bytes', help: 'The budget of pe_edge_compress_streams_bytes: 256 MiB per process, summed over --workers', registers: [registry], collect() {
    this.set(compressStreams.maxBytes);
  } });
  new Counter({ name: 'pe_edge_compress_streams_refused_total', help: 'Answers compress would have streamed in the encoding negotiated but, its streams\' memory budget spent, sent as gzip (sent="gzip") or uncompressed (sent="identity")', labelNames: ['sent'], registers: [registry], collect() {
    this.reset();
    this.inc({ sent: 'gzip' }, compressStreams.toGzip);
    this.inc({ sent: 'identity' }, compressStreams.uncompressed);
  } });
  // pe-edge's own: lines its logs dropped because their reader did not keep up (log-destination.ts bounds the
  // memory they may hold). Read at scrape time; `--workers` sum.
  new Counter({ name: 'pe_edge_log_lines_dropped_total', help: `Log lines dropped because the log's reader (stdout pipe or file) did not take them and ${LOG_BUFFER_MAX_BYTES / (1024 * 1024)} MiB were waiting, by log (log, access)`, labelNames: ['log'], registers: [registry], collect() {
    this.reset();
    this.inc({ log: 'log' }, droppedLogLines.log);
    this.inc({ log: 'access' }, droppedLogLines.access);
  } });
  const reloadSeries = reloads.child('', {}, '');
  const lastReloadSeries = lastReload.child('', {}, '');
  const reloadFailureSeries = reloadFailures.child('', {}, '');
  const lastFailureSeries = lastFailure.child('', {}, '');

  const buckets = [...options.buckets].sort((a, b) => a - b);
  const entryPoints = options.addEntryPointsLabels ? new RequestScope(store, registry, 'entrypoint', 'an entrypoint', buckets, options.headerLabels) : null;
  const routers = options.addRoutersLabels ? new RequestScope(store, registry, 'router', 'a router', buckets, options.headerLabels) : null;
  const services = options.addServicesLabels ? new RequestScope(store, registry, 'service', 'a service', buckets, options.headerLabels) : null;
  const retries = services !== null ? store.counter(registry, 'traefik_service_retries_total', 'How many request retries happened on a service.', ['service']) : null;
  const serverUpFamily = services !== null ? store.gauge(registry, 'traefik_service_server_up', 'service server is up, described by gauge value of 0 or 1.', ['service', 'url'], 'min') : null;
  if (services !== null && options.compatibilityNames !== false) {
    // Traefik v1's names (v2.0 renamed backend to service): the service series, read again at scrape time.
    new RenamedCounter(registry, 'traefik_backend_requests_total', 'How many HTTP requests processed on a backend, partitioned by status code, protocol, and method (Traefik v1 name of traefik_service_requests_total).', services.requests.metric, 'service', 'backend');
    new RenamedHistogram(registry, 'traefik_backend_request_duration_seconds', 'How long it took to process the request on a backend, partitioned by status code, protocol, and method (Traefik v1 name of traefik_service_request_duration_seconds).', services.duration.metric, 'traefik_service_request_duration_seconds', 'service', 'backend');
  }

  // Scopes by name, each made once: its label object is reused by every new series, its series found in it.
  const entryPointScopes = new Map<string, Scope>();
  const routerScopes = new Map<string, Map<string, Scope>>(); // router → service → scope
  const serviceScopes = new Map<string, Scope>();

  const onRequestDone = (ctx: RequestContext): void => {
    const router = ctx.routerName;
    const service = ctx.serviceName;
    if (!options.addInternals && (isInternal(router) || isInternal(service))) return;
    const res = ctx.res;
    const protocol = protocolLabel(ctx.req.headers);
    const status = finalStatus(res);
    // A gRPC answer says its status in trailers (Go copies them into the header map Traefik reads); a trailers-only answer in its head.
    const grpc = protocol === 'grpc' || protocol === 'grpc-web' ? (res.sentTrailers()?.['grpc-status'] ?? res.sentHeader('grpc-status')) : undefined;
    let tls: Observation['tls'] = null;
    if (ctx.tlsConnection !== null) {
      const facts = ctx.tlsConnection.facts();
      tls = { version: tlsVersionLabel(facts.protocol), cipher: facts.cipher ?? 'unknown' };
    }
    const code = codeLabel(protocol, status, grpc);
    const method = methodLabel(ctx.method);
    const o: Observation = {
      code,
      method,
      protocol,
      variant: `${code}\0${method}\0${protocol}`,
      seconds: Number(process.hrtime.bigint() - ctx.startedAt) / 1e9,
      requestBytes: requestBodySize(ctx),
      responseBytes: responseBodySize(ctx),
      tls,
      ctx,
    };
    const ep = ctx.entryPoint;
    if (entryPoints !== null) {
      let scope = entryPointScopes.get(ep);
      if (scope === undefined) entryPointScopes.set(ep, (scope = newScope(`e\0${ep}`, { entrypoint: ep })));
      entryPoints.record(scope, o);
    }
    if (router === '' || service === '') return;
    if (routers !== null) {
      let byService = routerScopes.get(router);
      if (byService === undefined) routerScopes.set(router, (byService = new Map()));
      let scope = byService.get(service);
      if (scope === undefined) byService.set(service, (scope = newScope(`r\0${router}\0${service}`, { router, service })));
      routers.record(scope, o);
    }
    if (services !== null) {
      let scope = serviceScopes.get(service);
      if (scope === undefined) serviceScopes.set(service, (scope = newScope(`s\0${service}`, { service })));
      services.record(scope, o);
      const n = ctx.retries;
      if (n > 0 && retries !== null) retries.child(scope.key, scope.labels, scope.key).inc(n);
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
      reloadSeries.inc(1);
      lastReloadSeries.set(Math.floor(Date.now() / 1000));
    },
    configFailed(): void {
      reloadFailureSeries.inc(1);
      lastFailureSeries.set(Math.floor(Date.now() / 1000));
    },
    retain(live): void {
      // Scope keys: `r\0router\0service`, `s\0service`, `u\0service\0url`, `f\0router` (faults).
      const gone = (scope: string): boolean => {
        const parts = scope.split('\0');
        // Internal routers and services (addInternals) are not in a configuration; they never go.
        if (parts.slice(1, 3).some((name) => name.endsWith('@internal'))) return false;
        switch (parts[0]) {
          case 'r':
            return !live.routers.has(parts[1] as string) || !live.services.has(parts[2] as string);
          case 's':
            return !live.services.has(parts[1] as string);
          case 'u':
            return live.servers.get(parts[1] as string)?.has(parts[2] as string) !== true;
          case 'f':
            return parts[1] !== '' && !live.routers.has(parts[1] as string);
          default:
            return false;
        }
      };
      for (const [name, scope] of serviceScopes) if (gone(scope.key)) serviceScopes.delete(name);
      for (const [router, byService] of routerScopes) {
        for (const [service, scope] of byService) if (gone(scope.key)) byService.delete(service);
        if (byService.size === 0) routerScopes.delete(router);
      }
      routers?.drop(gone);
      services?.drop(gone);
      retries?.drop(gone);
      serverUpFamily?.drop(gone);
      faults.drop(gone);
    },
    providerUp(provider, up): void {
      const key = `p\0${provider}`;
      providerUpFamily.child(key, { provider }, key).set(up ? 1 : 0);
    },
    serverUp(service, url, up): void {
      if (serverUpFamily !== null) {
        const key = `u\0${service}\0${url}`;
        serverUpFamily.child(key, { service, url }, key).set(up ? 1 : 0);
      }
    },
    setConnectionSource(source): void {
      connections = source;
    },
    setCertificateSource(source): void {
      certificates = source;
    },
    setCompressCacheSource(cache): void {
      compressCache = cache;
    },
    setCompressTemplatesSource(templates): void {
      compressTemplates = templates;
    },
    setScrapeSource(source): void {
      scrape = source;
    },
    exchangeFault(fault): void {
      const { entryPoint: entrypoint, router, stage } = fault;
      faults.child(`${entrypoint}\0${router}\0${stage}`, { entrypoint, router, stage }, `f\0${router}`).inc(1);
    },
    rateLimitRedisError(middleware): void {
      redisErrors.child(middleware, { middleware }, `m\0${middleware}`).inc(1);
    },
  };
}

/** Traefik's labels: subject CN, serial in decimal (Go's big.Int), DNS names joined by commas. */
function certificateLabels(x509: X509Certificate): Labels {
  const cn = x509.subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? '';
  // Traefik sorts the DNS names (appendCertMetric) before joining them.
  const sans = (x509.subjectAltName ?? '').split(', ').filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice(4)).sort();
  return { cn, sans: sans.join(','), serial: BigInt(`0x${x509.serialNumber}`).toString(10) };
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
