import type { TcpServersTransport, TcpService } from '../../labels-spec/dynamic/tcp/index.js';
import { qualify } from '../runtime/qualified-name.js';
import type { RuntimeStatus } from '../runtime/status.js';
import { WeightedRoundRobin } from '../services/strategies/weighted-round-robin.js';
import type { ActiveHealthCheck } from '../services/health/active-health-check.js';
import type { HealthChecks } from '../services/health/health-checks.js';
import { NoHealth, type ServiceHealth } from '../services/service-health.js';
import type { TcpConnection, TcpHandler } from './tcp-connection.js';
import { createTcpDialer, dialServer, type TcpDialer } from './tcp-dialer.js';
import { serverAddress } from '../http/host-port.js';
import { relay } from './relay.js';
import { startPostgresTls } from './postgres-starttls.js';
import { tcpHealthProbe, tcpProbeOptions } from './tcp-health-probe.js';

/** Hears what a connection's service did, for logs: a server that could not be reached. */
export type TcpServiceLog = (event: { service: string; server: string; router: string; error: Error }) => void;

/**
 * TCP services as Traefik's tcp service manager builds them: `loadBalancer` (round robin over `host:port` servers,
 * each connection dialled once: a server that refuses it closes the client, no other is tried) and `weighted`
 * (round robin over other TCP services by weight). Built once per configuration; errors name the service.
 * With `loadBalancer.healthCheck` a server its checker found DOWN is skipped; a `weighted` service with
 * `healthCheck: {}` skips a child none of whose servers is up (Traefik's status updaters).
 */
export class TcpServiceBuilder {
  private readonly built = new Map<string, TcpHandler | Error>();
  private readonly building = new Set<string>();
  /** Each load balancer's health checker, for the API's serverStatus. */
  readonly checkers = new Map<string, ActiveHealthCheck>();
  /** What a parent with `healthCheck: {}` follows, or why it cannot (Traefik's RegisterStatusUpdater error). */
  private readonly health = new Map<string, ServiceHealth | NoHealth>();

  constructor(
    private readonly services: Readonly<Record<string, TcpService>>,
    private readonly transports: Readonly<Record<string, TcpServersTransport>>,
    private readonly defaultTransport: TcpServersTransport,
    private readonly status: RuntimeStatus,
    private readonly log: TcpServiceLog,
    private readonly healthChecks: HealthChecks,
  ) {
    for (const name of Object.keys(services)) status.declare('service', name);
  }

  /** The service's handler, or the error that leaves it (and the routers using it) out. */
  get(name: string): TcpHandler | Error {
    const done = this.built.get(name);
    if (done !== undefined) return done;
    if (this.building.has(name)) return new Error(`the service "${name}" refers to itself through weighted services`);
    this.building.add(name);
    const result = this.build(name);
    this.building.delete(name);
    this.built.set(name, result);
    if (result instanceof Error && this.services[name] !== undefined) this.status.addError('service', name, result.message, true);
    return result;
  }

  private build(name: string): TcpHandler | Error {
    const config = this.services[name];
    if (config === undefined) return new Error(`the service "${name}" does not exist`);
    if ('loadBalancer' in config) return this.loadBalancer(name, config.loadBalancer);
    const follow = config.weighted.healthCheck !== undefined;
    const children: { value: TcpHandler; weight: number; health: ServiceHealth | null }[] = [];
    for (const child of config.weighted.services) {
      const childName = qualify(child.name, name);
      const handler = this.get(childName);
      if (handler instanceof Error) return handler;
      this.status.addUsedBy('service', childName, name);
      const health = follow ? this.health.get(childName) : null;
      if (health instanceof NoHealth) return health.errorFor(child.name, name);
      children.push({ value: handler, weight: child.weight, health: health ?? null });
    }
    const wrr = new WeightedRoundRobin(shuffled(children));
    const refresh = (): void => {
      for (const c of children) if (c.health !== null) wrr.setUp(c.value, c.health.up());
    };
    const up = (): boolean => {
      refresh();
      return wrr.anyUp();
    };
    this.health.set(name, follow ? { up } : WITHOUT_CHECK);
    return (conn) => {
      if (follow) refresh();
      pick(wrr, conn);
    };
  }

  private loadBalancer(name: string, lb: Extract<TcpService, { loadBalancer: unknown }>['loadBalancer']): TcpHandler | Error {
    const transportName = lb.serversTransport === undefined || lb.serversTransport === '' ? null : qualify(lb.serversTransport, name);
    const transport = transportName === null ? this.defaultTransport : this.transports[transportName];
    if (transport === undefined) return new Error(`no transport configuration found for "${transportName}"`);
    let dialer: TcpDialer;
    try {
      dialer = createTcpDialer(transport, transportName !== null, lb);
    } catch (err) {
      return new Error(`serversTransport "${transportName ?? 'default@internal'}": ${(err as Error).message}`);
    }
    const servers: { value: TcpHandler; weight: number }[] = [];
    const byAddress = new Map<string, TcpHandler[]>();
    for (const server of lb.servers) {
      const target = serverAddress(server.address);
      if (typeof target === 'string') {
        // Traefik logs the server and leaves it out; the service still serves with the others.
        this.status.addError('service', name, `server address "${server.address}" is not host:port (${target}); the server is left out`, false);
        continue;
      }
      const log = this.log;
      servers.push({
        weight: 1,
        value: (conn) => dialServer(dialer, { ...target, tls: server.tls }, conn, (err, socket, reads) => {
          if (err !== null || socket === undefined) {
            log({ service: name, server: server.address, router: conn.router, error: err ?? new Error('no connection') });
            conn.stream.destroy();
            return;
          }
          if (!conn.postgres) relay(conn.stream, socket, dialer.terminationDelay, reads ?? null);
          else startPostgresTls(socket, conn.stream, () => relay(conn.stream, socket, dialer.terminationDelay), () => conn.stream.destroy());
        }),
      });
      byAddress.set(server.address, [...byAddress.get(server.address) ?? [], (servers.at(-1) as { value: TcpHandler }).value]);
    }
    const wrr = new WeightedRoundRobin(shuffled(servers));
    if (lb.healthCheck === undefined) {
      this.health.set(name, WITHOUT_CHECK);
    } else {
      const { options, corrections } = tcpProbeOptions(lb.healthCheck);
      for (const message of corrections) this.status.addError('service', name, message, false);
      // Each address once, as Traefik's uniqHealthCheckTargets; the API shows one status per address.
      const addresses = [...byAddress.keys()];
      const tlsServers = new Set(lb.servers.filter((s) => s.tls).map((s) => s.address));
      const checker = this.healthChecks.acquireTcp(name, [options, transport, [...tlsServers]], options, addresses, tcpHealthProbe(options, dialer, tlsServers));
      checker.attach((address, up) => {
        for (const handler of byAddress.get(address) ?? []) wrr.setUp(handler, up);
      });
      this.checkers.set(name, checker);
      this.health.set(name, { up: () => wrr.anyUp() });
    }
    return (conn) => pick(wrr, conn);
  }
}

/** Traefik's RegisterStatusUpdater error for a TCP balancer built without a health check. */
const WITHOUT_CHECK = new NoHealth('healthCheck not enabled in config for this weighted service');

/** Each connection to the next entry that is up; none closes the connection (Traefik: no servers in the pool). */
function pick(wrr: WeightedRoundRobin<TcpHandler>, conn: TcpConnection): void {
  const next = wrr.next();
  if (next === undefined) conn.stream.destroy();
  else next(conn);
}

/** Traefik shuffles a load balancer's servers once per build, so replicas of the edge do not all start on the first. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
