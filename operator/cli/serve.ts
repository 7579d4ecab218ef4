import type { Logger } from 'pino';
import { validateDynamicConfig, type DynamicConfig, type StaticConfig } from '../../labels-spec/index.js';
import { EdgeProxy } from '../../proxy/index.js';
import type { FaultSink } from '../../proxy/http/exchange-fault.js';
import type { RequestContext } from '../../proxy/http/request-context.js';
import { composeRequestHooks, createPrometheusMetrics, type PrometheusMetrics } from '../../proxy/observability/metrics.js';
import { compressedBodies } from '../../proxy/middlewares/response/compressed-cache.js';
import { gzipTemplates } from '../../proxy/middlewares/response/gzip-templates.js';
import type { Runtime } from '../../proxy/index.js';
import { aggregate } from '../aggregation/aggregate.js';
import { entryPointOptions, toBuildInput } from '../aggregation/build-input.js';
import { startFileProvider, type FileSnapshot } from '../providers/file-provider.js';
import { DockerProvider, type DockerSnapshot, type EngineState, type ProviderLog } from '../providers/docker/docker-provider.js';
import { SwarmProvider } from '../providers/swarm/swarm-provider.js';
import { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import { CertificateResolvers } from '../certificates/certificate-resolvers.js';
import { certificatesFragment } from '../certificates/certificates-fragment.js';
import { effectiveEntryPoints } from '../aggregation/build-input.js';
import { parseDuration } from '../../labels-spec/duration.js';
import { perProcessStateWarnings } from '../workers/workers.js';
import { joinWorkers } from '../workers/worker-side.js';
import { DashboardInsights } from '../../proxy/api/dashboard/insights.js';
import type { ConfigProblem } from '../../proxy/observability/change-log.js';
import { changeLogItems, dockerProblems, eventContainer, serverContainers, unguardedApiRouters } from './dashboard-feed.js';
import { DEFAULT_THROTTLE_MS, ProviderThrottle } from '../aggregation/provider-throttle.js';
import { udpProblems } from '../../proxy/udp/udp-routing.js';
import { collectStartupGarbage } from '../../proxy/http/client-read-garbage.js';

export interface ServeOptions {
  config: StaticConfig;
  log: Logger;
  /** Access log hook (null when accessLog is off); metrics.prometheus adds its own. */
  onRequestDone: ((ctx: RequestContext) => void) | null;
  signal: AbortSignal;
}

export interface RunningEdge {
  proxy: EdgeProxy;
  /** Re-read file-provider input now (SIGHUP). */
  reload(): Promise<void>;
  /**
   * Under --workers: tells the primary this worker serves, once its SIGHUP and SIGUSR1 handlers are in place (the
   * primary holds those signals for a worker until then: node's default for them kills it or opens its inspector).
   */
  started(): void;
}

/**
 * Wires providers to the proxy: each provider's last good fragment is kept, every change is
 * validated per item, merged, compiled and swapped in. Problems are logged once, naming the item.
 */
export async function serve(options: ServeOptions): Promise<RunningEdge> {
  const { config, log } = options;
  const fragments = new Map<string, DynamicConfig>();
  const reported = new Set<string>();
  const metrics = prometheusMetrics(config);
  // ACME challenges are answered from this one store, filled by the resolvers, read by every entrypoint.
  const challenges = new AcmeChallengeStore();
  // The dashboard's traffic history and change log (api.dashboard); the providers' problems it lists, by provider.
  const insights = config.api?.dashboard === true ? new DashboardInsights() : null;
  const problems = new Map<string, ConfigProblem[]>();
  const buildInput = () => {
    const merged = aggregate(fragments);
    for (const e of merged.errors) log.error(e);
    problems.set('aggregation', merged.errors.map((message) => ({ provider: 'aggregation', severity: 'error', message })));
    const input = toBuildInput(config, merged.config, metrics?.handler ?? null, challenges, insights, resolvers?.names());
    // Traefik logs each TCP connection whose server could not be dialled (the client's connection is closed).
    if (input.tcp !== undefined) input.tcp.log = (e) => log.error({ service: e.service, router: e.router }, `error while dialing backend ${e.server}: ${e.error.message}`);
    return input;
  };
  let listening = false;
  // Under --workers: limits counted by the primary, one worker probing health for all, metrics of every worker.
  const workers = joinWorkers(process.env);
  // Before any TLS server exists: every worker encrypts tickets with the primary's key.
  await workers?.adoptTicketKeys();
  const workerCount = workers?.count ?? 1;
  if (insights !== null) workers?.shareTraffic(insights);
  let resolvers: CertificateResolvers | null = null;
  const onDone = composeRequestHooks(options.onRequestDone, metrics?.onRequestDone ?? null, insights?.traffic.onRequestDone ?? null);
  // An error raised for one request ends that request: one log line naming the router, and a metric.
  const onFault: FaultSink = (fault) => {
    log.error({ entryPoint: fault.entryPoint, router: fault.router || undefined, stage: fault.stage, err: fault.error.stack ?? fault.error.message }, `request failed inside pe-edge: ${fault.error.message}`);
    metrics?.exchangeFault(fault);
  };
  // Certificates already in acme.json are served from the first configuration on, before any provider reports.
  resolvers = await CertificateResolvers.start(config.certificatesResolvers, {
    challenges,
    log,
    ...acmeRetryFromEnv(process.env),
    publish: (provider, certificates) => {
      fragments.set(provider, certificatesFragment(certificates));
      if (listening) applyFragments(`acme ${provider}`);
    },
  });
  options.signal.addEventListener('abort', () => resolvers?.stop(), { once: true });
  // UDP entrypoints: what Traefik logs at error level (an empty pool, a server refusing) is one log line each.
  const onUdpError = (entryPoint: string, router: string, err: Error): void => log.error({ entryPoint, router: router || undefined }, err.message);
  const proxy = new EdgeProxy(
    entryPointOptions(config, onDone, onFault).map((ep) => ({ ...ep, onUdpError })),
    buildInput(),
    (service, server, up, reason) => {
      metrics?.serverUp(service, server, up);
      if (up) log.info({ service, server }, 'Health check succeeded: server is back UP');
      else log.warn({ service, server, reason }, 'Health check failed.');
    },
    workers?.shared,
    (router, middleware, from, to) => {
      const what = `circuit breaker "${middleware}" on router "${router}"`;
      if (to === 'tripped') log.warn({ router, middleware, from, to }, `${what} tripped: its fallback answers until fallbackDuration ends`);
      else if (to === 'recovering') log.info({ router, middleware, from, to }, `${what} recovering: a growing share of requests goes through`);
      else log.info({ router, middleware, from, to }, `${what} back to standby: every request goes through`);
    },
    {
      // Each request is answered 500 as in Traefik, which logs an error per request: here one when an outage begins, one when it ends.
      failed: (middleware) => metrics?.rateLimitRedisError(middleware),
      outage: (middleware, endpoint, error) => {
        if (error !== null) log.error({ middleware, endpoint, err: error.message }, `rateLimit "${middleware}": Redis at ${endpoint} did not answer (${error.message}); requests are answered 500 until it does`);
        else log.info({ middleware, endpoint }, `rateLimit "${middleware}": Redis at ${endpoint} answers again; requests are limited again`);
      },
    },
  );
  workers
    ?.followHealth(({ service, server, up }) => {
      proxy.followHealth(service, server, up);
      metrics?.serverUp(service, server, up);
    })
    .catch((err: unknown) => log.warn(`server states from the probing worker: ${err instanceof Error ? err.message : String(err)}`));
  metrics?.setConnectionSource(() => proxy.openConnections());
  metrics?.setCompressCacheSource(compressedBodies);
  metrics?.setCompressTemplatesSource(gzipTemplates);
  metrics?.setCertificateSource(() => proxy.runtime.tls.certificates.map((certificate) => certificate.x509));
  if (metrics !== null && workers !== null) metrics.setScrapeSource(workers.scrape(metrics.registry));
  // Before the entrypoints listen nothing is served: build at once. Afterwards the build runs in slices
  // between requests (EdgeProxy.update); a newer configuration arriving meanwhile supersedes it.
  const applyFragments = (cause = 'file', container?: string): void => {
    const started = process.hrtime.bigint();
    const input = buildInput();
    if (!listening) {
      applied(proxy.apply(input), started, cause, container);
      return;
    }
    proxy.update(input).then(
      (runtime) => {
        if (runtime !== null) applied(runtime, started, cause, container);
        else log.debug({ cause }, 'configuration superseded by a newer one before it was applied');
      },
      (err: unknown) => log.error({ cause, err: err instanceof Error ? err.stack ?? err.message : String(err) }, 'configuration could not be built; keeping the one in place'),
    );
  };
  const unguardedIn = (runtime: Runtime): ConfigProblem[] => unguardedApiRouters(runtime, (ep) => effectiveEntryPoints(config)[ep]?.http.middlewares ?? []);
  const applied = (runtime: Runtime, started: bigint, cause: string, container: string | undefined): void => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const unguarded = unguardedIn(runtime);
    insights?.changes.applied(changeLogItems(runtime), { cause, ...(container !== undefined ? { container } : {}) }, [...[...problems.values()].flat(), ...unguarded]);
    if (metrics !== null) recordApplied(metrics, runtime);
    const now = new Set<string>();
    for (const [prefix, status] of [['', runtime.status], ['TCP ', runtime.tcp.status]] as const) {
      for (const p of status.problems()) {
        const line = `${prefix}${p.kind} "${p.name}": ${p.message}`;
        now.add(line);
        if (!reported.has(line)) log[p.level]({ [p.kind]: p.name }, line);
      }
    }
    for (const e of runtime.errors) {
      now.add(e);
      if (!reported.has(e)) log.error(e);
    }
    for (const { level, message } of udpProblems(runtime.udp)) {
      now.add(message);
      if (!reported.has(message)) log[level](message);
    }
    for (const u of unguarded) {
      now.add(u.message);
      if (!reported.has(u.message)) log.warn(u.message);
    }
    for (const w of perProcessStateWarnings(workerCount, runtime.config.middlewares, (name) => (runtime.status.get('middleware', name)?.usedBy.length ?? 0) > 0)) {
      now.add(w);
      if (!reported.has(w)) log.warn(w);
    }
    reported.clear();
    for (const l of now) reported.add(l);
    log.info({ buildMs: Number(ms.toFixed(2)), cause }, 'configuration applied');
    if (listening) resolvers?.plan(runtime, effectiveEntryPoints(config));
  };

  // A provider's message that changes nothing rebuilds nothing: a DEBUG line, and the dashboard still hears of
  // new problems (a container left out for its labels adds none to the configuration).
  const unchanged = (provider: string, cause: string, container?: string): void => {
    log.debug({ provider, cause }, 'configuration unchanged; nothing rebuilt');
    insights?.changes.applied(changeLogItems(proxy.runtime), { cause, ...(container !== undefined ? { container } : {}) }, [...[...problems.values()].flat(), ...unguardedIn(proxy.runtime)]);
  };
  const throttleMs = config.providers.providersThrottleDuration ?? DEFAULT_THROTTLE_MS;

  let reload = async (): Promise<void> => undefined;
  const file = config.providers.file;
  if (file !== undefined) {
    const feed = new ProviderThrottle<DynamicConfig>({
      throttleMs,
      configOf: (fragment) => fragment,
      deliver: (fragment) => {
        fragments.set('file', fragment);
        applyFragments();
      },
      unchanged: () => unchanged('file', 'file'),
      signal: options.signal,
    });
    const handle = await startFileProvider({
      ...(file.filename !== undefined && file.filename !== '' ? { filename: file.filename } : {}),
      ...(file.directory !== undefined && file.directory !== '' ? { directory: file.directory } : {}),
      watch: file.watch,
      signal: options.signal,
      onSnapshot: (snapshot) => feed.offer(validateSnapshot(snapshot, log, (p) => problems.set('file', p))),
      onError: (err) => {
        log.error({ provider: 'file' }, `${err.message}; keeping the last good configuration`);
        metrics?.configFailed();
      },
    });
    reload = () => handle.reload();
  }
  // Docker and Swarm providers: the same snapshots (label results, merged configuration), each its own fragment.
  const serverContainerMaps = new Map<string, Map<string, string>>();
  const followEngine = async (name: 'docker' | 'swarm', start: (onSnapshot: (s: DockerSnapshot) => void, onEngine: (e: EngineState) => void) => Promise<void>): Promise<void> => {
    const title = name === 'docker' ? 'Docker' : 'Swarm';
    const causeOf = (snapshot: DockerSnapshot): string => (snapshot.cause === null ? `${name} sync` : `${name} ${snapshot.cause.action} ${snapshot.cause.id.slice(0, 12)}`);
    const feed = new ProviderThrottle<DockerSnapshot>({
      throttleMs,
      configOf: (snapshot) => snapshot.config,
      deliver: (snapshot) => {
        fragments.set(name, snapshot.config);
        for (const e of snapshot.errors) log.error({ provider: name }, e);
        applyFragments(causeOf(snapshot), eventContainer(snapshot));
      },
      unchanged: (snapshot) => unchanged(name, causeOf(snapshot), eventContainer(snapshot)),
      signal: options.signal,
    });
    await start((snapshot) => {
      if (insights !== null) {
        problems.set(name, dockerProblems(snapshot, name));
        serverContainerMaps.set(name, serverContainers(snapshot));
        insights.serverContainers = new Map([...serverContainerMaps.values()].flatMap((m) => [...m]));
      }
      feed.offer(snapshot);
    }, (engine) => {
      // /ping stays up for load balancers; the metric, the dashboard and `pe-edge healthcheck` show it.
      metrics?.providerUp(name, engine.reachable);
      if (engine.reachable) proxy.lifecycle.providerProblems.delete(name);
      else proxy.lifecycle.providerProblems.set(name, `${title} provider: ${engine.error}. ${engine.hint}`);
      problems.set(`${name} engine`, engine.reachable ? [] : [{ provider: name, severity: 'error', message: `${engine.error}. ${engine.hint}` }]);
      unchanged(name, engine.reachable ? `${name} engine reachable` : `${name} engine unreachable`);
    });
  };
  const docker = config.providers.docker;
  if (docker !== undefined) {
    await followEngine('docker', (onSnapshot, onEngine) => new DockerProvider(docker, onSnapshot, providerLog(log), options.signal, onEngine).start());
  }
  const swarm = config.providers.swarm;
  if (swarm !== undefined) {
    await followEngine('swarm', (onSnapshot, onEngine) => new SwarmProvider(swarm, onSnapshot, providerLog(log), options.signal, onEngine).start());
  }
  collectStartupGarbage();
  await proxy.listen();
  listening = true;
  // Orders start once the entrypoints answer challenges.
  resolvers.plan(proxy.runtime, effectiveEntryPoints(config));
  resolvers.startRenewals();
  for (const ep of entryPointOptions(config, null)) log.info({ entryPoint: ep.name, address: ep.address }, 'entrypoint listening');
  return { proxy, reload, started: () => workers?.started() };
}

function prometheusMetrics(config: StaticConfig): PrometheusMetrics | null {
  const prometheus = config.metrics?.prometheus;
  if (prometheus === undefined) return null;
  return createPrometheusMetrics({ ...prometheus, addInternals: config.metrics?.addInternals ?? false });
}

/**
 * A configuration is in: count the reload, drop the series of routers, services and servers it no longer has,
 * and give health-checked servers their current server_up.
 */
function recordApplied(metrics: PrometheusMetrics, runtime: Runtime): void {
  metrics.configApplied();
  const items = runtime.status.all();
  const servers = new Map<string, Set<string>>();
  for (const [service, lb] of runtime.loadBalancers) if (lb.health !== null) servers.set(service, new Set(Object.keys(lb.health.serverStatus())));
  metrics.retain({
    routers: new Set(items.filter((i) => i.kind === 'router').map((i) => i.name)),
    services: new Set(items.filter((i) => i.kind === 'service').map((i) => i.name)),
    servers,
  });
  for (const [service, lb] of runtime.loadBalancers) {
    if (lb.health === null) continue;
    for (const [url, state] of Object.entries(lb.health.serverStatus())) metrics.serverUp(service, url, state === 'UP');
  }
}

function providerLog(log: Logger): ProviderLog {
  return {
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}

/** Validates the file provider's content per item, logging each issue as `file:line: message`. */
function validateSnapshot(snapshot: FileSnapshot, log: Logger, report: (problems: ConfigProblem[]) => void): DynamicConfig {
  for (const w of snapshot.warnings) log.warn({ provider: 'file' }, w);
  const { config, issues } = validateDynamicConfig(snapshot.raw);
  const found: ConfigProblem[] = snapshot.warnings.map((message) => ({ provider: 'file', severity: 'warning', message }));
  for (const issue of issues) {
    const at = snapshot.locate(issue.path);
    const where = at === undefined ? 'dynamic configuration' : at.line === undefined ? at.file : `${at.file}:${at.line}`;
    const text = `${where}: ${issue.message}`;
    found.push({ provider: 'file', severity: issue.severity, message: text });
    if (issue.severity === 'error') log.error({ provider: 'file' }, text);
    else log.warn({ provider: 'file' }, text);
  }
  report(found);
  return config;
}

/**
 * PE_EDGE_ACME_RETRY_BASE (a Go duration, pe-edge's own): the first wait after a failed ACME order, doubled per
 * failure up to an hour. Default 1m; shorter only to test a setup, as Let's Encrypt counts failed validations.
 */
function acmeRetryFromEnv(env: NodeJS.ProcessEnv): { retryBaseMs?: number } {
  const raw = env['PE_EDGE_ACME_RETRY_BASE'];
  if (raw === undefined || raw === '') return {};
  try {
    return { retryBaseMs: parseDuration(raw) };
  } catch (err) {
    throw new Error(`PE_EDGE_ACME_RETRY_BASE: ${(err as Error).message}`);
  }
}
