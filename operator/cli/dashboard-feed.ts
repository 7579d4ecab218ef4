// What the dashboard learns from the providers, beyond the runtime: their problems and the containers behind servers.
import type { ConfigProblem, LoggedItem } from '../../proxy/observability/change-log.js';
import type { DockerSnapshot } from '../providers/docker/docker-provider.js';
import type { Runtime } from '../../proxy/runtime/runtime.js';
import { providerOf, qualify } from '../../proxy/runtime/qualified-name.js';

/**
 * Label problems of each container (typos with their suggestion among them) and the provider's merge conflicts.
 * The Swarm provider's snapshot says them once per Swarm service: its tasks share the service's labels.
 */
export function dockerProblems(snapshot: DockerSnapshot, provider: 'docker' | 'swarm' = 'docker'): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const r of snapshot.containers) {
    const container = r.container.swarmService ?? r.container.name;
    const subject = r.container.swarmService !== undefined ? `Swarm service ${container}` : `container ${container}`;
    if (seen.has(subject)) continue;
    seen.add(subject);
    for (const issue of r.issues) out.push({ provider, severity: issue.severity, container, message: `${subject}: ${issue.message}` });
    if (r.kind === 'skipped' && r.issues.some((i) => i.severity === 'error')) {
      out.push({ provider, severity: 'error', container, message: `${subject} left out: ${r.reason}` });
    }
  }
  for (const message of snapshot.errors) out.push({ provider, severity: 'error', message });
  return out;
}

/** Server URL (HTTP) or address (TCP, UDP) → the name of the container it came from. */
export function serverContainers(snapshot: DockerSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of snapshot.containers) {
    if (r.kind !== 'routed') continue;
    for (const service of Object.values(r.config.http.services)) {
      if (!('loadBalancer' in service)) continue;
      for (const server of service.loadBalancer.servers) out.set(server.url, r.container.name);
    }
    for (const service of [...Object.values(r.config.tcp.services), ...Object.values(r.config.udp.services)]) {
      if (!('loadBalancer' in service)) continue;
      for (const server of service.loadBalancer.servers) out.set(server.address, r.container.name);
    }
  }
  return out;
}

/** The container a Docker event names (its `name` attribute), when there is one. */
export function eventContainer(snapshot: DockerSnapshot): string | undefined {
  const name = snapshot.cause?.attributes['name'];
  return name === undefined || name === '' ? undefined : name;
}

// Middleware types that keep strangers out: credentials, or an allow-list of client addresses.
const GUARDS = new Set(['basicAuth', 'digestAuth', 'forwardAuth', 'ipAllowList', 'ipWhiteList']);

/**
 * Routers that serve `api@internal` (the API and the dashboard: the whole configuration, with its errors) with no
 * auth or allow-list middleware on the way, from the router or its entrypoints. Traefik allows it; pe-edge says so.
 */
export function unguardedApiRouters(runtime: Runtime, entryPointMiddlewares: (entryPoint: string) => readonly string[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const middlewares = runtime.config.middlewares as Readonly<Record<string, Record<string, unknown> | undefined>>;
  const guarded = (name: string, from: string, depth: number): boolean => {
    const qualified = qualify(name, from);
    const config = middlewares[qualified];
    if (config === undefined || depth > 10) return false;
    if (Object.keys(config).some((type) => GUARDS.has(type))) return true;
    const chain = (config['chain'] as { middlewares?: string[] } | undefined)?.middlewares ?? [];
    return chain.some((m) => guarded(m, qualified, depth + 1));
  };
  for (const [name, router] of Object.entries(runtime.config.routers)) {
    if (router.service === undefined || qualify(router.service, name) !== 'api@internal') continue;
    const item = runtime.status.get('router', name);
    if (item === undefined || item.status === 'disabled') continue;
    const own = (router.middlewares ?? []).some((m) => guarded(m, name, 0));
    const open = item.using.filter((ep) => !own && !entryPointMiddlewares(ep).some((m) => guarded(m, name, 0)));
    if (open.length === 0) continue;
    out.push({
      provider: providerOf(name),
      severity: 'warning',
      message: `router "${name}" serves api@internal (the API and the dashboard) with no basicAuth, digestAuth, forwardAuth or ipAllowList middleware on entrypoint ${open.map((ep) => `"${ep}"`).join(', ')}: anyone who reaches it reads your whole configuration`,
    });
  }
  return out;
}

/** Every item of a runtime for the change log: HTTP's, then TCP's and UDP's named with their protocol. */
export function changeLogItems(runtime: Pick<Runtime, 'status' | 'tcp' | 'udp'>): LoggedItem[] {
  return [
    ...runtime.status.all(),
    ...runtime.tcp.status.all().map((item) => ({ ...item, kind: `TCP ${item.kind}` as const })),
    ...runtime.udp.status.all().flatMap((item) => (item.kind === 'middleware' ? [] : [{ ...item, kind: `UDP ${item.kind}` as const }])),
  ];
}
