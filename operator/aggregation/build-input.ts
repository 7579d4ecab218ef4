import { entryPointSchema, type DynamicConfig, type StaticConfig } from '../../labels-spec/index.js';
import { dynamicUpstreamTransport, upstreamTransport, type BuildInput, type EntryPointOptions, type UpstreamTransport } from '../../proxy/index.js';
import type { Handler, RequestContext } from '../../proxy/http/request-context.js';
import type { ApiInput } from '../../proxy/runtime/build-input.js';
import type { FaultSink } from '../../proxy/http/exchange-fault.js';
import type { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import type { DashboardInsights } from '../../proxy/api/dashboard/insights.js';
import { packageVersion } from './package-version.js';
import { defaultTcpTransport } from '../../proxy/tcp/default-transport.js';

const START_DATE = new Date().toISOString();

/**
 * Entrypoints as Traefik computes them: the configured ones, plus `traefik` on :8080 when ping or
 * metrics.prometheus live there (their default), or api.insecure is on, and the user did not define one by that name.
 */
export function effectiveEntryPoints(config: StaticConfig): StaticConfig['entryPoints'] {
  const entryPoints = { ...config.entryPoints };
  const pingOnTraefik = config.ping !== undefined && !config.ping.manualRouting && config.ping.entryPoint === 'traefik';
  const prometheus = config.metrics?.prometheus;
  const metricsOnTraefik = prometheus !== undefined && !prometheus.manualRouting && prometheus.entryPoint === 'traefik';
  const apiOnTraefik = config.api?.insecure === true;
  // Traefik's SetEffectiveConfiguration: `&EntryPoint{Address: ":8080"}` with SetDefaults, nothing taken from another
  // entrypoint (a first entrypoint's trustedIPs, timeouts or PROXY protocol must not reach the API's port).
  if ((pingOnTraefik || metricsOnTraefik || apiOnTraefik) && entryPoints.traefik === undefined) {
    entryPoints.traefik = entryPointSchema.parse({ address: ':8080' });
  }
  return entryPoints;
}

export function entryPointOptions(config: StaticConfig, onDone: ((ctx: RequestContext) => void) | null, onFault?: FaultSink): EntryPointOptions[] {
  return Object.entries(effectiveEntryPoints(config)).map(([name, ep]) => ({
    name,
    address: ep.address,
    readTimeout: ep.transport.respondingTimeouts.readTimeout,
    idleTimeout: ep.transport.respondingTimeouts.idleTimeout,
    writeTimeout: ep.transport.respondingTimeouts.writeTimeout,
    graceTimeOut: ep.transport.lifeCycle.graceTimeOut,
    requestAcceptGraceTimeout: ep.transport.lifeCycle.requestAcceptGraceTimeout,
    maxHeaderBytes: ep.http.maxHeaderBytes,
    forwardedHeaders: { insecure: ep.forwardedHeaders.insecure, trustedIPs: ep.forwardedHeaders.trustedIPs, notAppendXForwardedFor: ep.forwardedHeaders.notAppendXForwardedFor },
    underscoreHeaders: ep.http.underscoreHeadersStrategy,
    http2HeaderTables: { decoder: ep.http2.maxDecoderHeaderTableSize, encoder: ep.http2.maxEncoderHeaderTableSize },
    http2MaxConcurrentStreams: ep.http2.maxConcurrentStreams,
    proxyProtocol: ep.proxyProtocol === undefined ? null : { insecure: ep.proxyProtocol.insecure, trustedIPs: ep.proxyProtocol.trustedIPs },
    sanitizePath: ep.http.sanitizePath,
    encodedCharacters: ep.http.encodedCharacters ?? null,
    onDone,
    ...(onFault !== undefined ? { onFault } : {}),
    udpTimeout: ep.udp.timeout,
  }));
}

/**
 * Static + merged dynamic configuration → what the proxy compiles. `metricsHandler` is the
 * `prometheus@internal` scrape handler (null when metrics.prometheus is off). `acmeChallenges` is the process's
 * one challenge store, the same object on every call (null: pe-edge answers no ACME challenge).
 */
/**
 * `resolvers`: the certificate resolvers routers may name; by default every one `certificatesResolvers` declares
 * (the running edge passes those that loaded: a skipped one is nonexistent, as in Traefik).
 */
export function toBuildInput(config: StaticConfig, dynamic: DynamicConfig, metricsHandler: Handler | null = null, acmeChallenges: AcmeChallengeStore | null = null, insights: DashboardInsights | null = null, resolvers: ReadonlySet<string> = declaredResolvers(config)): BuildInput {
  const transports: Record<string, UpstreamTransport> = {};
  for (const [name, t] of Object.entries(dynamic.http.serversTransports)) transports[name] = dynamicUpstreamTransport(t);
  const ping = config.ping === undefined ? null
    : { entryPoint: config.ping.manualRouting ? null : config.ping.entryPoint, terminatingStatusCode: config.ping.terminatingStatusCode };
  return {
    entryPoints: effectiveEntryPoints(config),
    ping,
    metrics: metricsHandler === null || config.metrics?.prometheus === undefined ? null : {
      entryPoint: config.metrics.prometheus.manualRouting ? null : config.metrics.prometheus.entryPoint,
      handler: metricsHandler,
    },
    api: apiInput(config, insights),
    acme: acmeChallenges === null ? null : { challenges: acmeChallenges, httpChallengeEntryPoints: httpChallengeEntryPoints(config) },
    certificateResolvers: resolvers,
    defaultRuleSyntax: config.core.defaultRuleSyntax,
    providersPrecedence: config.providers.precedence,
    defaultTransport: upstreamTransport(config.serversTransport),
    http: {
      routers: dynamic.http.routers,
      services: dynamic.http.services,
      middlewares: dynamic.http.middlewares,
      serversTransports: transports,
    },
    tls: dynamic.tls,
    tcp: { ...dynamic.tcp, defaultTransport: defaultTcpTransport(config.tcpServersTransport) },
    udp: dynamic.udp,
  };
}

export function declaredResolvers(config: StaticConfig): ReadonlySet<string> {
  return new Set(Object.keys(config.certificatesResolvers ?? {}));
}

/** Resolver name → its `acme.httpChallenge.entryPoint`, for the resolvers that have one. */
function httpChallengeEntryPoints(config: StaticConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, resolver] of Object.entries(config.certificatesResolvers ?? {})) {
    const entryPoint = resolver.acme?.httpChallenge?.entryPoint;
    if (entryPoint !== undefined) out[name] = entryPoint;
  }
  return out;
}

/** What `api@internal` shows of the static configuration; null when `api` is off. */
function apiInput(config: StaticConfig, insights: DashboardInsights | null): ApiInput | null {
  if (config.api === undefined) return null;
  const providers = [config.providers.docker !== undefined ? 'Docker' : null, config.providers.swarm !== undefined ? 'Swarm' : null, config.providers.file !== undefined ? 'File' : null].filter((p) => p !== null);
  return {
    insecure: config.api.insecure,
    version: packageVersion(),
    startDate: START_DATE,
    entryPoints: effectiveEntryPoints(config),
    features: { tracing: '', metrics: config.metrics?.prometheus !== undefined ? 'Prometheus' : '', accessLog: config.accessLog !== undefined },
    providers,
    dashboard: config.api.dashboard,
    dashboardName: config.api.dashboardName ?? '',
    insights,
  };
}
