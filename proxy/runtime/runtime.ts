import type { Handler } from '../http/request-context.js';
import type { RouterTable } from '../routing/router-table.js';
import type { LoadBalancer } from '../services/load-balancer.js';
import type { TlsStore } from '../tls/tls-store.js';
import type { CompiledRule } from '../rules/compile.js';
import type { RuntimeStatus } from './status.js';
import type { ApiInput, BuildInput } from './build-input.js';
import type { AcmeChallengeStore } from '../tls/acme-challenges.js';
import type { TcpRuntime } from '../tcp/tcp-build.js';
import type { UdpRouting } from '../udp/udp-routing.js';

/** What a matched router runs: its name (for logs) and its prebuilt chain. */
export interface RouteTarget {
  readonly name: string;
  readonly handler: Handler;
  /**
   * A TLS router's TLS options name as Traefik resolves it ('default' without options, when its rule names no
   * host, or when its hosts are bound to other options too on its entrypoint); null on the plain-HTTP side. A request whose
   * connection's SNI chose other options gets 421 (Traefik's snicheck).
   */
  readonly tlsOptions: string | null;
}

export interface Route {
  name: string;
  priority: number;
  /** The router's provider's place in `providers.precedence` (rules/priority.ts). */
  providerRank?: number;
  rule: CompiledRule;
  value: RouteTarget;
}

/** Routers of one entrypoint: plain HTTP side and TLS side, as Traefik splits them. */
export interface EntryPointTables {
  readonly http: RouterTable<RouteTarget>;
  readonly https: RouterTable<RouteTarget>;
}

/** The merged dynamic configuration a runtime was built from, plus each router's computed priority (for the API). */
export interface RuntimeConfig {
  readonly routers: BuildInput['http']['routers'];
  readonly services: BuildInput['http']['services'];
  readonly middlewares: BuildInput['http']['middlewares'];
  readonly priorities: ReadonlyMap<string, number>;
}

/** One immutable, compiled configuration. A reload builds a new one and swaps a single reference. */
export interface Runtime {
  readonly entryPoints: ReadonlyMap<string, EntryPointTables>;
  readonly tls: TlsStore;
  readonly status: RuntimeStatus;
  readonly loadBalancers: ReadonlyMap<string, LoadBalancer>;
  /** Problems that belong to no router/service/middleware (entrypoint redirections, TLS certificates). */
  readonly errors: readonly string[];
  readonly config: RuntimeConfig;
  /** The static side `api@internal` shows (null when `api` is off). */
  readonly api: ApiInput | null;
  /** Pending ACME challenges; the entrypoints read it for TLS-ALPN-01 (null: no store, ClientHellos are not read). */
  readonly acmeChallenges: AcmeChallengeStore | null;
  /** TCP routers per entrypoint, their services and middlewares, with their own status (the API's tcp sections). */
  readonly tcp: TcpRuntime;
  /** UDP routers and services (proxy/udp): what a UDP entrypoint's new sessions go to, with their own status. */
  readonly udp: UdpRouting;
}
