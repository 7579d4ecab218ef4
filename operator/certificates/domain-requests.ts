// Which certificates the routers ask their resolvers for, as Traefik chooses them (pkg/provider/acme/provider.go):
// HTTP routers from their Host values, TCP routers from their HostSNI values.
import { domainsOfRule } from '../../proxy/rules/compile.js';
import { hostSnisOfRule } from '../../proxy/tcp/tcp-rule.js';
import type { BuildInput, RouterTlsConfig } from '../../proxy/runtime/build-input.js';
import type { Runtime } from '../../proxy/runtime/runtime.js';
import { trimSpace } from '../../labels-spec/schema/go-trim-space.js';

/** One certificate's names: `main` is the subject, `sans` the other names (Traefik's types.Domain). */
export interface DomainSet {
  main: string;
  sans: string[];
}

/** A router by protocol and name: an HTTP and a TCP router may share a name. */
export interface RouterRef {
  protocol: 'http' | 'tcp';
  name: string;
}

export interface CertificateRequest {
  resolver: string;
  domains: DomainSet;
  /** Routers asking for it, for log lines. */
  routers: RouterRef[];
}

export interface RequestPlan {
  requests: CertificateRequest[];
  /** Bad domains: logged, the router keeps serving. (A resolver that does not exist is the build's warning.) */
  problems: { router: RouterRef; message: string }[];
}

/** A router as the plan reads it: its TLS section and the entrypoints it ended up on (Traefik's `using`). */
export interface PlannedRouter {
  rule: string;
  tls: RouterTlsConfig | null | undefined;
  using: readonly string[];
}

/** A TCP router as the plan reads it: entrypoints' `http.tls` does not apply to it (Traefik). */
export interface PlannedTcpRouter {
  rule: string;
  tls: (RouterTlsConfig & { passthrough?: boolean | undefined }) | undefined;
}

export interface PlannedRouters {
  http: ReadonlyMap<string, PlannedRouter>;
  tcp: ReadonlyMap<string, PlannedTcpRouter>;
}

/** The routers of a built runtime as the plan reads them, HTTP ones with the entrypoints each one ended up on. */
export function plannedRouters(runtime: Pick<Runtime, 'config' | 'status' | 'tcp'>): PlannedRouters {
  const http = new Map<string, PlannedRouter>();
  for (const [name, router] of Object.entries(runtime.config.routers)) {
    http.set(name, { rule: router.rule, tls: router.tls, using: runtime.status.get('router', name)?.using ?? [] });
  }
  const tcp = new Map<string, PlannedTcpRouter>();
  for (const [name, router] of Object.entries(runtime.tcp.config.routers)) tcp.set(name, { rule: router.rule, tls: router.tls });
  return { http, tcp };
}

/** How log lines and `pe-edge check` name a router: `router "x"`, `TCP router "x"`. */
export function routerLabel(router: RouterRef): string {
  return `${router.protocol === 'tcp' ? 'TCP router' : 'router'} "${router.name}"`;
}

/**
 * Why a resolver cannot order `names`: a wildcard is validated by DNS-01 only, and the resolver has no
 * dnsChallenge. Undefined when it can. The runtime logs it after `Unable to obtain ACME certificate for domains`;
 * `pe-edge check` reports it on the routers asking.
 */
export function wildcardWithoutDnsChallenge(resolver: string, names: readonly string[], hasDnsChallenge: boolean): string | undefined {
  const wildcard = names.find((name) => name.startsWith('*.'));
  if (wildcard === undefined || hasDnsChallenge) return undefined;
  return `wildcard domain ${wildcard} requires a DNS-01 challenge (dnsChallenge), which resolver "${resolver}" does not configure`;
}

/** The runtime's log line for a certificate it cannot obtain. */
export function unableToObtain(names: readonly string[], reason: string): string {
  return `Unable to obtain ACME certificate for domains "${names.join(',')}": ${reason}`;
}

export function domainNames(set: DomainSet): string[] {
  return [set.main, ...set.sans];
}

/** The identity of a domain set (main + sans, order kept): one order per distinct set. */
export function domainSetKey(set: DomainSet): string {
  return domainNames(set).join(',');
}

/**
 * Every router with a `tls.certResolver` asks for its `tls.domains` (each entry one certificate, after Traefik's
 * de-duplication) or else the names of its rule (one certificate: the first is main): an HTTP router's `Host` values
 * (with its entrypoint's `http.tls` when it has no tls of its own), a TCP router's `HostSNI` values (passthrough or
 * not, as Traefik; `HostSNI(`*`)` and HostSNIRegexp name nothing). Routers asking for the same set share one request.
 */
export function planCertificateRequests(routers: PlannedRouters, entryPoints: BuildInput['entryPoints'], resolvers: ReadonlySet<string>): RequestPlan {
  const byKey = new Map<string, CertificateRequest>();
  const problems: RequestPlan['problems'] = [];
  const ask = (router: RouterRef, tls: RouterTlsConfig, namesOfRule: () => DomainSet[]): void => {
    const resolver = tls.certResolver;
    if (resolver === undefined || resolver === '') return;
    // The build marks the router (nonexistentResolverMessage); nothing to order.
    if (!resolvers.has(resolver)) return;
    let sets: DomainSet[];
    try {
      sets = tls.domains !== undefined && tls.domains.length > 0
        ? deleteUnnecessaryDomains(tls.domains.map((d) => ({ main: d.main, sans: d.sans ?? [] })))
        : namesOfRule();
      sets = sets.map(sanitizeDomainSet);
    } catch (err) {
      problems.push({ router, message: (err as Error).message });
      return;
    }
    for (const domains of sets) {
      const key = `${resolver}\n${domainSetKey(domains)}`;
      const existing = byKey.get(key);
      if (existing === undefined) byKey.set(key, { resolver, domains, routers: [router] });
      else if (!existing.routers.some((r) => r.protocol === router.protocol && r.name === router.name)) existing.routers.push(router);
    }
  };
  for (const [name, router] of routers.http) {
    for (const tls of routerTlsSections(router, entryPoints)) ask({ protocol: 'http', name }, tls, () => oneSet(router.rule, domainsOfRule));
  }
  for (const [name, router] of routers.tcp) {
    if (router.tls !== undefined) ask({ protocol: 'tcp', name }, router.tls, () => oneSet(router.rule, sniNamesOfRule));
  }
  return { requests: [...byKey.values()], problems };
}

/** The TLS sections that apply to a router: its own, else each of its entrypoints' default (deduplicated). */
function routerTlsSections(router: PlannedRouter, entryPoints: BuildInput['entryPoints']): RouterTlsConfig[] {
  if (router.tls != null) return [router.tls];
  const out: RouterTlsConfig[] = [];
  for (const ep of router.using) {
    const tls = entryPoints[ep]?.http?.tls;
    if (tls != null && !out.includes(tls)) out.push(tls);
  }
  return out;
}

/** Traefik's ParseHostSNI without `*`: the catch-all names no certificate (a CA would refuse it). */
function sniNamesOfRule(rule: string): string[] {
  return hostSnisOfRule(rule).filter((name) => name !== '*');
}

/** The names a rule gives, as one certificate (the first is main); none when it names none. */
function oneSet(rule: string, namesOf: (rule: string) => string[]): DomainSet[] {
  let hosts: string[];
  try {
    hosts = namesOf(rule);
  } catch {
    return []; // the router's own error says why its rule does not parse
  }
  const unique = [...new Set(hosts)];
  const [main, ...sans] = unique;
  return main === undefined ? [] : [{ main, sans }];
}

/** Lower-case, trimmed, without a trailing dot; a double wildcard is an error (Traefik's sanitizeDomain). */
export function sanitizeDomainSet(set: DomainSet): DomainSet {
  const clean = (domain: string): string => {
    const name = trimSpace(domain).toLowerCase().replace(/\.$/, '');
    if (name.startsWith('*.*')) throw new Error(`unable to generate a wildcard certificate in ACME provider for domain "${domain}": ACME does not allow '*.*' wildcard domain`);
    return name;
  };
  const main = clean(set.main);
  const sans = set.sans.map(clean).filter((name) => name !== '' && name !== main);
  return { main, sans: [...new Set(sans)] };
}

/**
 * Traefik's deleteUnnecessaryDomains: an exact duplicate entry is dropped; a name already listed by an earlier
 * entry, or covered by another entry's wildcard main, is removed; an entry left empty is dropped.
 */
export function deleteUnnecessaryDomains(domains: readonly DomainSet[]): DomainSet[] {
  const out: DomainSet[] = [];
  domains.forEach((candidate, index) => {
    let names = domainNames(candidate);
    let keep = true;
    for (const [otherIndex, other] of domains.entries()) {
      if (otherIndex === index) continue;
      if (domainSetKey(other) === domainSetKey(candidate)) {
        if (index > otherIndex) {
          keep = false;
          break;
        }
        continue;
      }
      const remaining = names.filter((name) => {
        if (otherIndex < index && isDomainCovered(name, domainNames(other))) return false;
        return !(other.main !== name && other.main.startsWith('*') && isDomainCovered(name, [other.main]));
      });
      if (remaining.length === 0) {
        keep = false;
        break;
      }
      names = remaining;
    }
    const [main, ...sans] = names;
    if (keep && main !== undefined) out.push({ main, sans });
  });
  return out;
}

/** Traefik's isDomainAlreadyChecked: the same name, or a `*.` name that matches it one label deep (MatchDomain). */
export function isDomainCovered(name: string, by: readonly string[]): boolean {
  for (const covering of by) {
    if (covering === name) return true;
    if (covering.startsWith('*.') && matchesWildcard(name, covering)) return true;
  }
  return false;
}

function matchesWildcard(name: string, wildcard: string): boolean {
  const dot = name.indexOf('.');
  return dot > 0 && `*${name.slice(dot)}` === wildcard;
}
