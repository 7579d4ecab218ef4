import type { DynamicConfig, StaticConfig } from '../../labels-spec/index.js';
import { UpstreamPools } from '../../proxy/forward/upstream-pools.js';
import { buildRuntime } from '../../proxy/runtime/build.js';
import { HealthChecks } from '../../proxy/services/health/health-checks.js';
import { CarriedBalancers } from '../../proxy/services/carried-balancers.js';
import { CompiledRules } from '../../proxy/runtime/compiled-rules.js';
import { KeptState } from '../../proxy/runtime/kept-state.js';
import { aggregate } from '../aggregation/aggregate.js';
import { effectiveEntryPoints, toBuildInput } from '../aggregation/build-input.js';
import { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import type { Runtime } from '../../proxy/runtime/runtime.js';
import { domainNames, planCertificateRequests, plannedRouters, unableToObtain, wildcardWithoutDnsChallenge, type RequestPlan } from '../certificates/domain-requests.js';
import type { ContainerResult } from '../providers/docker/container-config.js';
import { rawData, type RawItem } from '../../proxy/api/rawdata.js';
import { unknownResolverErrors, type ResolverOrigins } from './unknown-resolvers.js';
import { tcpUdpRawData, type TcpUdpRawData } from './tcp-udp-items.js';

export type { RawItem } from '../../proxy/api/rawdata.js';

/** Traefik's /api/rawdata sections, the TCP and UDP ones only when they have items. */
export interface CheckReport extends TcpUdpRawData {
  routers: Record<string, RawItem>;
  services: Record<string, RawItem>;
  middlewares: Record<string, RawItem>;
  /** Per container (docker/compose checks): routed, or left out and why. */
  containers: { name: string; status: 'routed' | 'left out'; reason?: string; errors: string[]; warnings: string[] }[];
  /** Problems that belong to no single item (files, merge conflicts, entrypoints). */
  errors: string[];
  warnings: string[];
}

/**
 * Compiles the configuration exactly as the running proxy would (same build, nothing listens,
 * no health probe runs) and reports every router, service and middleware with its status.
 */
export function checkConfiguration(config: StaticConfig, fragments: ReadonlyMap<string, DynamicConfig>, containers: readonly ContainerResult[], errors: string[], warnings: string[], origins: Omit<ResolverOrigins, 'containers'> = {}): CheckReport {
  const merged = aggregate(fragments);
  const pools = new UpstreamPools();
  // A throwaway challenge store: with one, the build checks each httpChallenge entrypoint as the running edge does.
  const input = toBuildInput(config, merged.config, null, new AcmeChallengeStore());
  const runtime = buildRuntime(input, { pools, healthChecks: new HealthChecks(() => undefined, false), middlewareState: new KeptState(), rules: new CompiledRules(), balancers: new CarriedBalancers() }, { terminating: false, providerProblems: new Map() });
  void pools.closeAll();
  // What the resolvers would log for these routers: each router keeps serving (without its certificate), so a warning.
  // (A resolver that is not declared at all is also an error below: the build marks the router, check fails.)
  const certificates = certificateProblems(config, runtime);
  for (const p of certificates) if (p.router.protocol === 'http') runtime.status.addError('router', p.router.name, p.message, false);
  const raw = rawData(runtime.status, runtime.config);
  const report: CheckReport = { ...raw, ...tcpUdpRawData(merged.config, input.entryPoints), containers: [], errors: [...errors, ...merged.errors, ...runtime.errors, ...unknownResolverErrors(config, runtime, { ...origins, containers }, merged.config.tcp.routers)], warnings: [...warnings] };
  for (const p of certificates) if (p.router.protocol === 'tcp') addWarning(report.tcpRouters?.[p.router.name], p.message);
  for (const r of containers) {
    const errs = r.issues.filter((i) => i.severity === 'error').map((i) => i.message);
    const warns = [...r.issues.filter((i) => i.severity === 'warning').map((i) => i.message), ...(r.kind === 'routed' ? r.warnings : [])];
    report.containers.push(r.kind === 'routed'
      ? { name: r.container.name, status: 'routed', errors: errs, warnings: warns }
      : { name: r.container.name, status: 'left out', reason: r.reason, errors: errs, warnings: warns });
  }
  return report;
}

/** A problem that leaves the item serving: listed in its `error`, and `warning` unless it is already disabled. */
function addWarning(item: RawItem | undefined, message: string): void {
  if (item === undefined) return;
  const errors = item.error ?? [];
  if (!errors.includes(message)) item.error = [...errors, message];
  if (item.status === 'enabled') item.status = 'warning';
}

/** A deploy gate: any error anywhere, or any router/service/middleware that will not serve. */
export function reportHasErrors(r: CheckReport): boolean {
  if (r.errors.length > 0) return true;
  if (r.containers.some((c) => c.errors.length > 0 || (c.status === 'left out' && c.errors.length > 0))) return true;
  return [r.routers, r.services, r.middlewares, r.tcpRouters, r.tcpServices, r.tcpMiddlewares, r.udpRouters, r.udpServices]
    .some((m) => Object.values(m ?? {}).some((i) => i.status === 'disabled'));
}

/**
 * The routers' certificate requests as the running edge plans them (planCertificateRequests): a domain ACME refuses,
 * and a wildcard asked of a resolver without dnsChallenge, in the runtime's words.
 */
function certificateProblems(config: StaticConfig, runtime: Runtime): RequestPlan['problems'] {
  const acme = new Map<string, { dnsChallenge?: unknown }>();
  for (const [name, resolver] of Object.entries(config.certificatesResolvers ?? {})) if (resolver.acme !== undefined) acme.set(name, resolver.acme);
  const plan = planCertificateRequests(plannedRouters(runtime), effectiveEntryPoints(config), new Set(acme.keys()));
  const problems = [...plan.problems];
  for (const request of plan.requests) {
    const names = domainNames(request.domains);
    const reason = wildcardWithoutDnsChallenge(request.resolver, names, acme.get(request.resolver)?.dnsChallenge !== undefined);
    if (reason !== undefined) for (const router of request.routers) problems.push({ router, message: unableToObtain(names, reason) });
  }
  return problems;
}
