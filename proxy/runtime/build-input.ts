import type { DashboardInsights } from '../api/dashboard/insights.js';
import type { Handler } from '../http/request-context.js';
import type { UpstreamTransport } from '../forward/upstream-transport.js';
import type { ServiceConfig } from '../services/service-config.js';
import type { TlsSection } from '../tls/tls-config.js';
import type { AcmeChallengeStore } from '../tls/acme-challenges.js';
import type { TcpBuildInput } from '../tcp/tcp-build.js';
import type { UdpSection } from '../udp/udp-section.js';

// What a runtime is built from: the entrypoints of the static configuration and the merged dynamic
// configuration, with every name already qualified (`web@file`) by the operator's aggregator.

export interface RouterTlsConfig {
  options?: string | undefined;
  certResolver?: string | undefined;
  domains?: { main: string; sans?: string[] | undefined }[] | undefined;
}

export interface RouterConfig {
  rule: string;
  ruleSyntax?: 'v3' | 'v2' | undefined;
  entryPoints?: string[] | undefined;
  middlewares?: string[] | undefined;
  service?: string | undefined;
  priority?: number | undefined;
  tls?: RouterTlsConfig | null | undefined;
  /** v3.6 multi-layer routing: the routers whose children this one is (names relative to its provider). */
  parentRefs?: string[] | undefined;
  /** Only its presence matters here: a child router may not have it (Traefik). */
  observability?: object | null | undefined;
}

export interface EntryPointRouting {
  /** `[host]:port` as configured. */
  address: string;
  asDefault?: boolean | undefined;
  /** The ACME HTTP-01 router on this entrypoint gets the default priority, so user routers may answer challenges. */
  allowACMEByPass?: boolean | undefined;
  http?: {
    redirections?: { entryPoint?: { to: string; scheme?: string | undefined; permanent?: boolean | undefined; priority?: number | undefined } | undefined } | undefined;
    tls?: RouterTlsConfig | null | undefined;
    middlewares?: string[] | undefined;
  } | undefined;
}

/** `api` enabled: what `api@internal` shows besides the runtime (static entrypoints, version, features). */
export interface ApiInput {
  /** api.insecure: the `api@internal` router on entrypoint `traefik`. */
  insecure: boolean;
  version: string;
  /** RFC 3339 start time of the process. */
  startDate: string;
  /** Static entrypoint objects, as `/api/entrypoints` shows them (without `name`). */
  entryPoints: Readonly<Record<string, object>>;
  features: { tracing: string; metrics: string; accessLog: boolean };
  /** Enabled providers, Traefik's names (`File`, `Docker`). */
  providers: string[];
  /** api.dashboard (default true): `api@internal` also serves the dashboard under `/dashboard/`. */
  dashboard?: boolean;
  /** api.dashboardName (Traefik v3.6+): the name `/api/version` gives the dashboard; '' or absent: none. */
  dashboardName?: string;
  /** The dashboard's traffic history and change log, kept by the process (null: the dashboard shows no charts). */
  insights?: DashboardInsights | null;
}

export interface BuildInput {
  entryPoints: Readonly<Record<string, EntryPointRouting>>;
  /**
   * ping: the `ping@internal` service; `entryPoint` gets its router, null with manualRouting (users route
   * to the service). `terminatingStatusCode` (default 503) is its answer once shutdown began. Null when off.
   */
  ping: { entryPoint: string | null; terminatingStatusCode?: number } | null;
  /**
   * metrics.prometheus: the scrape handler is the `prometheus@internal` service; `entryPoint` gets the
   * `prometheus@internal` router, null with manualRouting (users route to the service themselves). Null when off.
   */
  metrics?: { entryPoint: string | null; handler: Handler } | null | undefined;
  /** The REST API (`api@internal`); null or absent when `api` is off. */
  api?: ApiInput | null | undefined;
  /**
   * ACME challenges pe-edge answers from `challenges` (the process's one store): HTTP-01 through an
   * `acme-http@internal` router on each entrypoint of `httpChallengeEntryPoints` (resolver name → its
   * `httpChallenge.entryPoint`), TLS-ALPN-01 on every entrypoint. Null or absent: neither.
   */
  acme?: { challenges: AcmeChallengeStore; httpChallengeEntryPoints: Readonly<Record<string, string>> } | null | undefined;
  /**
   * The certificate resolvers that can issue (`certificatesResolvers` that loaded). A router whose `tls.certResolver`
   * (or its entrypoint's) names another is served anyway and marked `warning`. Absent: not checked.
   */
  certificateResolvers?: ReadonlySet<string> | null | undefined;
  defaultRuleSyntax: 'v3' | 'v2';
  /** providers.precedence (v3.7): a tie of router priorities goes to the provider listed first; absent: Traefik's default order. */
  providersPrecedence?: readonly string[] | undefined;
  /** The static `serversTransport`, known as `default@internal`. */
  defaultTransport: UpstreamTransport;
  http: {
    routers: Readonly<Record<string, RouterConfig>>;
    services: Readonly<Record<string, ServiceConfig>>;
    middlewares: Readonly<Record<string, Record<string, unknown>>>;
    serversTransports: Readonly<Record<string, UpstreamTransport>>;
  };
  tls: TlsSection;
  /** The `tcp` section and the static tcpServersTransport; absent: no TCP routing. */
  tcp?: TcpBuildInput | undefined;
  /** The `udp` section (routers, services); absent: none. UDP entrypoints are those whose address ends in `/udp`. */
  udp?: UdpSection | undefined;
}

/** Process-wide state a runtime reads but does not own. */
export interface Lifecycle {
  /** Set on SIGTERM: /ping answers 503 from then on. */
  terminating: boolean;
  /**
   * Providers that cannot reach their source (the Docker engine), with what to do: `pe-edge healthcheck` asks /ping
   * with the PING_PROVIDERS_HEADER and gets 503 naming them; /ping without it stays Traefik's, 200.
   */
  readonly providerProblems: Map<string, string>;
}

/** Sent by `pe-edge healthcheck`: /ping also answers for the providers (pe-edge's own; Traefik's ping ignores it). */
export const PING_PROVIDERS_HEADER = 'x-pe-edge-healthcheck';
