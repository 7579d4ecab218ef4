import type { TcpMiddleware, TcpRouter, TcpServersTransport, TcpService } from '../../labels-spec/dynamic/tcp/index.js';
import { staticTcpServersTransportSchema } from '../../labels-spec/index.js';
import { qualify } from '../runtime/qualified-name.js';
import { RuntimeStatus } from '../runtime/status.js';
import { resolveEntryPoints } from '../runtime/entry-points.js';
import type { TlsSection } from '../tls/tls-config.js';
import { BUILT_IN_DEFAULT_OPTION, resolveTlsOption, type ResolvedTlsOption } from '../tls/tls-options.js';
import type { TlsStore } from '../tls/tls-store.js';
import type { ActiveHealthCheck } from '../services/health/active-health-check.js';
import type { HealthChecks } from '../services/health/health-checks.js';
import type { TcpHandler } from './tcp-connection.js';
import { tcpChain, tcpMiddleware } from './tcp-middlewares.js';
import { TcpRouteTable, type TcpRoute } from './tcp-route-table.js';
import { defaultTcpTransport } from './default-transport.js';
import { compileTcpRule, hostSnisOfRule, tcpRulePriority } from './tcp-rule.js';
import { TcpEntryPointRouting, type TcpTarget } from './tcp-routing.js';
import { TcpServiceBuilder, type TcpServiceLog } from './tcp-services.js';
import { TlsTermination } from './tls-termination.js';

/** The `tcp` section a runtime is built from, names qualified (`db@docker`), plus the static `tcpServersTransport`. */
export interface TcpBuildInput {
  routers: Readonly<Record<string, TcpRouter>>;
  services: Readonly<Record<string, TcpService>>;
  middlewares: Readonly<Record<string, TcpMiddleware>>;
  serversTransports: Readonly<Record<string, TcpServersTransport>>;
  /** `default@internal`: dial settings of load balancers that name no serversTransport. */
  defaultTransport: TcpServersTransport;
  /** Hears connections a server refused (the client's connection is closed); default: nothing. */
  log?: TcpServiceLog | undefined;
}

/** The Hosts of an entrypoint's HTTPS routers, which TLS TCP routers yield to (Traefik's muxerHTTPS). */
export interface HttpsHosts {
  hosts: string[];
  /** An HTTPS router whose rule names no Host (or Host(`*`)). */
  catchAll: boolean;
}

/** The compiled TCP side of a runtime: routing per entrypoint, and what the API shows. */
export interface TcpRuntime {
  readonly entryPoints: ReadonlyMap<string, TcpEntryPointRouting>;
  readonly status: RuntimeStatus;
  /** Health-checked load balancers by service name: the API's serverStatus. */
  readonly checkers: ReadonlyMap<string, { readonly health: ActiveHealthCheck }>;
  readonly config: {
    readonly routers: Readonly<Record<string, TcpRouter>>;
    readonly services: Readonly<Record<string, TcpService>>;
    readonly middlewares: Readonly<Record<string, TcpMiddleware>>;
    readonly priorities: ReadonlyMap<string, number>;
  };
}

export interface TcpBuildContext {
  readonly entryPoints: readonly string[];
  /** Where a router without entryPoints goes (the HTTP routers' defaults). */
  readonly defaultEntryPoints: readonly string[];
  readonly defaultRuleSyntax: 'v3' | 'v2';
  /** A router's provider's place in `providers.precedence`: breaks ties of priority (rules/priority.ts). */
  readonly providerRank?: (qualifiedName: string) => number;
  readonly tls: TlsSection;
  readonly store: TlsStore;
  readonly httpsHosts: ReadonlyMap<string, HttpsHosts>;
  /** Carried across builds with the HTTP services' checkers. */
  readonly healthChecks: HealthChecks;
}

/** No TCP section: nothing to route, and Traefik's default TCP transport as the static schema's defaults make it. */
const EMPTY: TcpBuildInput = { routers: {}, services: {}, middlewares: {}, serversTransports: {}, defaultTransport: defaultTcpTransport(staticTcpServersTransportSchema.parse({})) };

/**
 * Traefik's TCP router manager (pkg/server/router/tcp/manager.go): each router is checked, compiled and attached to
 * its entrypoints; one in error is reported in `status`, naming it, and left out. Entrypoints without TCP routers get
 * no routing: their connections go where they always went.
 */
export function buildTcpRuntime(input: TcpBuildInput | undefined, ctx: TcpBuildContext): TcpRuntime {
  const tcp = input ?? EMPTY;
  const status = new RuntimeStatus();
  const services = new TcpServiceBuilder(tcp.services, tcp.serversTransports, tcp.defaultTransport, status, tcp.log ?? (() => {}), ctx.healthChecks);
  for (const [name, config] of Object.entries(tcp.middlewares)) {
    status.declare('middleware', name);
    try {
      tcpMiddleware(config, () => {});
    } catch (err) {
      status.addError('middleware', name, (err as Error).message, true);
    }
  }
  const priorities = new Map<string, number>();
  const routes = new Map<string, { plain: TcpRoute<TcpTarget>[]; secure: TcpRoute<TcpTarget>[] }>();
  const terminations = new Map<string, TlsTermination | Error>();
  for (const [name, router] of Object.entries(tcp.routers)) {
    status.declare('router', name);
    const priority = tcpRulePriority(router.rule, router.priority);
    priorities.set(name, priority);
    const built = buildRouter(name, router, ctx, services, tcp.middlewares, status, terminations);
    if (built === null) continue;
    const entryPoints = resolveEntryPoints(router.entryPoints, (ep) => ctx.entryPoints.includes(ep), ctx.defaultEntryPoints, name, status);
    status.setUsing(name, entryPoints);
    for (const ep of entryPoints) {
      let sides = routes.get(ep);
      if (sides === undefined) routes.set(ep, (sides = { plain: [], secure: [] }));
      (router.tls === undefined ? sides.plain : sides.secure).push({ name, priority, providerRank: ctx.providerRank?.(name) ?? -1, rule: built.rule, value: built.target });
    }
  }
  const entryPoints = new Map<string, TcpEntryPointRouting>();
  for (const [ep, sides] of routes) {
    const https = ctx.httpsHosts.get(ep);
    entryPoints.set(ep, new TcpEntryPointRouting(new TcpRouteTable(sides.plain), new TcpRouteTable(sides.secure), https?.hosts ?? [], https?.catchAll ?? false));
  }
  const checkers = new Map([...services.checkers].map(([name, health]) => [name, { health }]));
  return { entryPoints, status, checkers, config: { routers: tcp.routers, services: tcp.services, middlewares: tcp.middlewares, priorities } };
}

function buildRouter(name: string, router: TcpRouter, ctx: TcpBuildContext, services: TcpServiceBuilder, middlewares: TcpBuildInput['middlewares'], status: RuntimeStatus, terminations: Map<string, TlsTermination | Error>): { rule: ReturnType<typeof compileTcpRule>; target: TcpTarget } | null {
  const fail = (message: string): null => {
    status.addError('router', name, message, true);
    return null;
  };
  if (router.service === undefined || router.service === '') return fail('the service is missing on the router');
  let rule;
  let domains: string[];
  try {
    rule = compileTcpRule(router.rule, router.ruleSyntax ?? ctx.defaultRuleSyntax);
    domains = hostSnisOfRule(router.rule);
  } catch (err) {
    return fail(`rule ${(err as Error).message}`);
  }
  // HostSNI needs a ClientHello: only the catch-all may route plain TCP.
  if (domains.length > 0 && router.tls === undefined && domains[0] !== '*') return fail(`invalid rule: ${JSON.stringify(router.rule)} , has HostSNI matcher, but no TLS on router`);
  const serviceName = qualify(router.service, name);
  const service = services.get(serviceName);
  if (service instanceof Error) return fail(service.message);
  status.addUsedBy('service', serviceName, name);
  for (const m of router.middlewares ?? []) status.addUsedBy('middleware', qualify(m, name), name);
  const chain = tcpChain(name, router.middlewares ?? [], middlewares, service);
  if (chain instanceof Error) return fail(chain.message);
  if (router.tls === undefined || router.tls.passthrough) return { rule, target: { name, handler: chain, termination: null } };
  // eslint-disable-next-line no-control-regex
  const foreign = domains.find((d) => !/^[\x00-\x7f]*$/.test(d));
  if (foreign !== undefined) return fail(`invalid domain name value ${JSON.stringify(foreign)}, non-ASCII characters are not allowed`);
  const optionsName = router.tls.options === undefined || router.tls.options === '' || router.tls.options === 'default' ? 'default' : qualify(router.tls.options, name);
  const termination = terminationFor(optionsName, ctx, terminations);
  if (termination instanceof Error) {
    // Traefik keeps the route with a handler that closes every connection it matches (brokenTLSRouter).
    status.addError('router', name, termination.message, true);
    return { rule, target: { name, handler: closeConnection, termination: null } };
  }
  return { rule, target: { name, handler: chain, termination } };
}

const closeConnection: TcpHandler = (conn) => conn.stream.destroy();

/** One termination per TLS option name, shared by the routers using it. */
function terminationFor(name: string, ctx: TcpBuildContext, cache: Map<string, TlsTermination | Error>): TlsTermination | Error {
  let termination = cache.get(name);
  if (termination !== undefined) return termination;
  const config = ctx.tls.options[name];
  let option: ResolvedTlsOption;
  try {
    if (config === undefined && name !== 'default') throw new Error(`unknown TLS options: ${name}`);
    option = config === undefined ? BUILT_IN_DEFAULT_OPTION : resolveTlsOption(name, config);
    termination = new TlsTermination(option, ctx.store);
  } catch (err) {
    termination = err as Error;
  }
  cache.set(name, termination);
  return termination;
}
