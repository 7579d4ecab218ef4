import type { Handler } from '../http/request-context.js';
import { compileRule, domainsOfRule, type CompiledRule } from '../rules/compile.js';
import { PROVIDER_NAMES } from '../../labels-spec/static/providers.js';
import { providerRanker, rulePriority } from '../rules/priority.js';
import { createRouterTableSteps } from '../routing/router-table.js';
import { ServiceBuilder } from '../services/service-builder.js';
import { buildTlsStore } from '../tls/tls-store.js';
import { HostTlsOptions } from './host-tls-options.js';
import type { BuildInput, EntryPointRouting, Lifecycle, RouterConfig } from './build-input.js';
import { internalRoutes, internalServices } from './internal-routers.js';
import { buildMiddlewareChain } from './middleware-chain.js';
import type { KeptState } from './kept-state.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import { middlewareFactory } from '../middlewares/registry.js';
import { beginBuild, releaseUnused, type CarriedParts } from './carried-parts.js';
import { qualify } from './qualified-name.js';
import type { EntryPointTables, Route, Runtime } from './runtime.js';
import { RuntimeStatus } from './status.js';
import type { CompiledRules } from './compiled-rules.js';
import { createApiHandler } from '../api/handler.js';
import { nonexistentResolverMessage } from './certificate-resolver-check.js';
import { buildTcpRuntime, type HttpsHosts } from '../tcp/tcp-build.js';
import { resolveEntryPoints } from './entry-points.js';
import { buildUdpRouting, isUdpAddress } from '../udp/udp-routing.js';
import { parseRouterTree } from './router-tree.js';
import { ChildRouters, type ChildRoute } from './child-routers.js';

/**
 * Compiles a configuration into an immutable Runtime: every rule parsed, every chain and balancer
 * built once. A bad router, service or middleware is reported in `status` and left out; the rest serves.
 * Keep-alive pools and health checkers come from `parts` and survive builds that did not change them.
 */
export function buildRuntime(input: BuildInput, parts: CarriedParts, lifecycle: Lifecycle): Runtime {
  const steps = buildRuntimeSteps(input, parts, lifecycle);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** Items (routers, services) built between two yields of `buildRuntimeSteps`: a few milliseconds of work at most. */
const ITEMS_PER_STEP = 64;
/** Routes indexed between two yields: indexing one is a few object writes. */
const ROUTES_PER_STEP = 2048;

/**
 * The same build, as steps: it yields every few dozen routers and services, so a caller may hand the event
 * loop back between steps (EdgeProxy.update) while requests keep being served by the current runtime. Nothing
 * a request reads changes before the last step returns the runtime: the swap stays one reference assignment.
 * A caller that abandons the steps must start a new build before the carried parts are released again.
 */
export function* buildRuntimeSteps(input: BuildInput, parts: CarriedParts, lifecycle: Lifecycle): Generator<void, Runtime, void> {
  const status = new RuntimeStatus();
  beginBuild(parts);
  // api@internal answers from the runtime built here, the one that routed the request.
  const self: { runtime?: Runtime } = {};
  const api = input.api != null ? createApiHandler(() => self.runtime) : null;
  const services: ServiceBuilder = new ServiceBuilder(input.http.services, (name) => transportNamed(input, name), parts, status, internalServices(input, lifecycle, api),
    // A service's middlewares: one instance per service, whichever routers reach it (Traefik builds a service once).
    (name, names, service) => buildMiddlewareChain(names, name, `service\u0000${name}`, service, input.http.middlewares, status, parts.middlewareState, parts.pools, (n) => services.get(n)));
  const routes = new Map<string, { http: Route[]; https: Route[] }>();
  for (const ep of Object.keys(input.entryPoints)) routes.set(ep, { http: [], https: [] });
  const providerRank = providerRanker(input.providersPrecedence ?? PROVIDER_NAMES);

  const internal = internalRoutes(input, lifecycle, api);
  const internalErrors = internal.errors;
  for (const r of internal.routes) {
    const rule = compileRule(r.rule, 'v3');
    routes.get(r.entryPoint)?.http.push({ name: r.name, priority: r.priority, rule, value: { name: r.name, handler: r.handler, tlsOptions: null } });
  }

  const hostOptions = new HostTlsOptions();
  // TLS routes with the options they asked for, resolved once every router's hosts are known.
  const tlsRoutes: { target: { tlsOptions: string | null }; entryPoint: string; options: string; domains: readonly string[] }[] = [];
  const priorities = new Map<string, number>();
  // Hosts of each entrypoint's HTTPS routers: TLS TCP routers yield to them on the ClientHello (Traefik's muxerHTTPS).
  const httpsHosts = new Map<string, HttpsHosts>();
  const defaultEntryPoints = defaultEntryPointsOf(input);
  const routers = input.http.routers;
  // Declared before the routers link to them: a router naming a middleware that is not here links to nothing.
  for (const name of Object.keys(input.http.middlewares)) status.declare('middleware', name);
  for (const name of Object.keys(routers)) status.declare('router', name);
  const tree = parseRouterTree(routers, status);
  const children: ChildRouters = new ChildRouters(tree, status, (name) => {
    const router = routers[name] as RouterConfig;
    const rule = compileRouterRule(router, input, name, status, parts.rules);
    if (rule === null) return null;
    const handler = routerHandler(name, name, router, router.middlewares ?? NO_NAMES, input, services, status, parts.middlewareState, parts.pools, children);
    return handler === null ? null : { rule, priority: rulePriority(router.rule, router.priority), handler } satisfies ChildRoute;
  });
  let sinceYield = 0;
  for (const name of Object.keys(routers)) {
    if (++sinceYield === ITEMS_PER_STEP) {
      sinceYield = 0;
      yield;
    }
    const router = routers[name] as RouterConfig;
    // A child has no route of its own: its parents' muxers match it. The API still shows its priority.
    if (tree.childRouters.has(name)) {
      priorities.set(name, rulePriority(router.rule, router.priority));
      continue;
    }
    const compiled = compileRouterRule(router, input, name, status, parts.rules);
    if (compiled === null) continue;
    const priority = rulePriority(router.rule, router.priority);
    priorities.set(name, priority);
    // HTTP routers live on TCP entrypoints only: to them a UDP entrypoint does not exist (Traefik).
    const entryPoints = resolveEntryPoints(router.entryPoints, (ep) => isTcpEntryPoint(input, ep), defaultEntryPoints, name, status);
    // The rule's domains (for TLS options per host), parsed once for all its entrypoints.
    let domains: string[] | undefined;
    status.setUsing(name, entryPoints);
    for (const ep of entryPoints) {
      const model = input.entryPoints[ep]?.http;
      const tls = router.tls ?? model?.tls ?? null;
      const resolver = tls?.certResolver;
      if (resolver !== undefined && resolver !== '' && input.certificateResolvers != null && !input.certificateResolvers.has(resolver)) {
        status.addError('router', name, nonexistentResolverMessage(resolver, input.certificateResolvers), false);
      }
      const middlewares = concatNames(model?.middlewares, router.middlewares);
      const routeName = entryPoints.length > 1 && (model?.tls != null || (model?.middlewares?.length ?? 0) > 0) ? `${ep}-${name}` : name;
      const handler = routerHandler(name, routeName, router, middlewares, input, services, status, parts.middlewareState, parts.pools, children);
      if (handler === null) break;
      const target = { name: routeName, handler, tlsOptions: null as string | null };
      if (tls !== null) {
        const options = tls.options === undefined || tls.options === 'default' ? 'default' : qualify(tls.options, name);
        if (options !== 'default' && input.tls.options[options] === undefined) {
          status.addError('router', name, `unknown TLS options: ${options}`, true);
          break;
        }
        hostOptions.claim(ep, name, options, (domains ??= domainsOfRule(router.rule)));
        if (domains.length === 0 && options !== 'default') status.addError('router', name, noDomainMessage(router.rule), false);
        tlsRoutes.push({ target, entryPoint: ep, options, domains });
        let hosts = httpsHosts.get(ep);
        if (hosts === undefined) httpsHosts.set(ep, (hosts = { hosts: [], catchAll: false }));
        for (const host of domains) if (host === '*') hosts.catchAll = true; else hosts.hosts.push(host);
        if (domains.length === 0) hosts.catchAll = true;
      }
      const side = tls !== null ? 'https' : 'http';
      routes.get(ep)?.[side].push({ name: routeName, priority, providerRank: providerRank(name), rule: compiled, value: target });
    }
  }
  yield* services.buildAllSteps(ITEMS_PER_STEP);
  reportUnimplementedMiddlewares(input, status);
  // Per entrypoint, as Traefik: a host two TLS options claim there gets `default` there (and its routers a warning).
  const hostOptionsByEntryPoint = hostOptions.resolve(status);
  for (const { target, entryPoint, options, domains } of tlsRoutes) target.tlsOptions = hostOptions.routeOption(entryPoint, options, domains);

  const tls = buildTlsStore(input.tls, hostOptionsByEntryPoint);
  const tcp = buildTcpRuntime(input.tcp, {
    entryPoints: Object.keys(input.entryPoints).filter((ep) => isTcpEntryPoint(input, ep)),
    defaultEntryPoints,
    defaultRuleSyntax: input.defaultRuleSyntax,
    providerRank,
    tls: input.tls,
    store: tls.store,
    httpsHosts,
    healthChecks: parts.healthChecks,
  });
  const entryPoints = new Map<string, EntryPointTables>();
  for (const [ep, sides] of routes) {
    const http = yield* createRouterTableSteps(sides.http, {}, ROUTES_PER_STEP);
    entryPoints.set(ep, { http, https: yield* createRouterTableSteps(sides.https, {}, ROUTES_PER_STEP) });
  }
  // Last step, no yield after it: parts the current runtime still uses are released only as the new one is swapped in.
  releaseUnused(parts);
  const built: Runtime = {
    entryPoints,
    tls: tls.store,
    status,
    loadBalancers: services.loadBalancers,
    errors: [...internalErrors, ...tls.issues.map((i) => (i.item !== undefined ? `${i.item}: ${i.message}` : i.message))],
    config: { routers: input.http.routers, services: input.http.services, middlewares: input.http.middlewares, priorities },
    api: input.api ?? null,
    acmeChallenges: input.acme?.challenges ?? null,
    tcp,
    udp: buildUdpRouting(input.udp, input.entryPoints),
  };
  self.runtime = built;
  return built;
}

function compileRouterRule(router: RouterConfig, input: BuildInput, name: string, status: RuntimeStatus, rules: CompiledRules): CompiledRule | null {
  const compiled = rules.get(router.rule, router.ruleSyntax ?? input.defaultRuleSyntax);
  if (!(compiled instanceof Error)) return compiled;
  status.addError('router', name, `rule ${compiled.message}`, true);
  return null;
}

/** Routers without entryPoints get the default list: `asDefault` ones, else all but `traefik` (never a UDP one). */
function isTcpEntryPoint(input: BuildInput, ep: string): boolean {
  const entryPoint = input.entryPoints[ep];
  return entryPoint !== undefined && !isUdpAddress(entryPoint.address);
}

function defaultEntryPointsOf(input: BuildInput): string[] {
  const all = Object.keys(input.entryPoints).filter((ep) => !isUdpAddress((input.entryPoints[ep] as EntryPointRouting).address)).sort();
  const defaults = all.filter((ep) => input.entryPoints[ep]?.asDefault === true);
  return (defaults.length > 0 ? defaults : all).filter((ep) => ep !== 'traefik');
}

const NO_NAMES: readonly string[] = [];

/** Entrypoint middlewares then the router's: no new array when either list is empty (most routers). */
function concatNames(first: readonly string[] | undefined, second: readonly string[] | undefined): readonly string[] {
  if (first === undefined || first.length === 0) return second ?? NO_NAMES;
  if (second === undefined || second.length === 0) return first;
  return [...first, ...second];
}

/**
 * `routeName` names this entrypoint's copy of the router: each copy has its own middleware instances and state.
 * The chain ends in the router's service, or in its children's muxer when it is a parent (multi-layer routing).
 */
function routerHandler(name: string, routeName: string, router: RouterConfig, middlewares: readonly string[], input: BuildInput, services: ServiceBuilder, status: RuntimeStatus, state: KeptState, pools: UpstreamPools, children: ChildRouters): Handler | null {
  const hasService = router.service !== undefined && router.service !== '';
  let next: Handler | Error;
  // Traefik would still serve the children of a parent that has a service (its status says disabled): pe-edge does not.
  if (children.isParent(name) && hasService) return null;
  if (children.isParent(name)) next = children.muxer(name);
  else if (!hasService || router.service === undefined) next = new Error('router must have either a service or child routers');
  else {
    const serviceName = qualify(router.service, name);
    next = services.get(serviceName);
    if (!(next instanceof Error)) status.addUsedBy('service', serviceName, name);
  }
  if (next instanceof Error) {
    status.addError('router', name, next.message, true);
    return null;
  }
  for (const m of middlewares) status.addUsedBy('middleware', qualify(m, name), name);
  const chain = buildMiddlewareChain(middlewares, name, routeName, next, input.http.middlewares, status, state, pools, (n) => services.get(n));
  if (chain instanceof Error) {
    status.addError('router', name, chain.message, true);
    return null;
  }
  return chain;
}

/** Every middleware is checked, not only those a router reached first, so each one says what it lacks. */
function reportUnimplementedMiddlewares(input: BuildInput, status: RuntimeStatus): void {
  for (const [name, config] of Object.entries(input.http.middlewares)) {
    const type = Object.keys(config)[0];
    if (type !== undefined && type !== 'chain' && middlewareFactory(type) === undefined) {
      status.addError('middleware', name, `middleware type "${type}" is not implemented yet in pe-edge`, true);
    }
  }
}

function transportNamed(input: BuildInput, name: string) {
  return name === 'default@internal' ? input.defaultTransport : input.http.serversTransports[name];
}

/**
 * Traefik's warning for a TLS router whose rule names no host: its options are never selected, the SNI's are. Traefik
 * logs it for every such router; pe-edge says it where it matters, a router that names options of its own (mTLS on a
 * PathPrefix-only router is not asked of anyone), and on the router's status as well as in the log.
 */
function noDomainMessage(rule: string): string {
  return `No domain found in rule ${rule}, the TLS options applied for this router will depend on the SNI of each request`;
}
