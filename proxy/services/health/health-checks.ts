import type { Agent } from 'undici';
import { createProbeAgent, transportKey, type UpstreamTransport } from '../../forward/upstream-transport.js';
import { ActiveHealthCheck, type HealthCheckOptions, type ProbeSchedule, type ServerProbe } from './active-health-check.js';
import { httpProbe } from './http-health-probe.js';

export type HealthTransition = (serviceName: string, serverUrl: string, up: boolean, reason: string) => void;
export type ProbeResult = (serviceName: string, serverUrl: string, up: boolean) => void;

/** A carried checker, and the probe agent's transport it uses (HTTP checkers; null for TCP ones). */
interface Carried {
  readonly checker: ActiveHealthCheck;
  readonly agentKey: string | null;
}

/**
 * Health checkers carried from one runtime to the next by (service, check options, servers), HTTP services' and
 * TCP services' alike: a reload that does not touch a service keeps its checker, its timers and what it knows.
 */
export class HealthChecks {
  private readonly checkers = new Map<string, Carried>();
  private generation = new Set<string>();
  /** One probe agent per serversTransport in use: probes verify certificates as the service's requests do. */
  private readonly agents = new Map<string, Agent>();

  /** Each service's checker of the last build that had it (by protocol and name): what a new checker of that service starts from. */
  private readonly latest = new Map<string, ActiveHealthCheck>();
  /** Server states another process probed (`follow`), replayed into checkers built later. */
  private readonly followed = new Map<string, Map<string, boolean>>();

  /**
   * `probe: false` builds checkers that never probe: for configuration checks (`pe-edge check`), and for the
   * workers of `--workers` that learn what one worker probed through `follow`, so a server is probed once.
   */
  constructor(
    private readonly onTransition: HealthTransition,
    private readonly probe = true,
    /** Hears every probe's result, changed or not (`--workers`: the probing worker tells the others). */
    private readonly onProbe: ProbeResult = () => undefined,
  ) {}

  /** A server state probed by another process: every checker of the service takes it, and later ones too. */
  follow(serviceName: string, serverUrl: string, up: boolean): void {
    let servers = this.followed.get(serviceName);
    if (servers === undefined) {
      servers = new Map();
      this.followed.set(serviceName, servers);
    }
    servers.set(serverUrl, up);
    for (const { checker } of this.checkers.values()) if (checker.serviceName === serviceName) checker.follow(serverUrl, up);
  }

  /** A transition another check found (a passive health check), told as the active checks tell theirs. */
  report(serviceName: string, serverUrl: string, up: boolean, reason: string): void {
    this.onTransition(serviceName, serverUrl, up, reason);
  }

  beginBuild(): void {
    this.generation = new Set();
  }

  acquire(serviceName: string, options: HealthCheckOptions, servers: readonly string[], transport: UpstreamTransport): ActiveHealthCheck {
    const agentKey = transportKey(transport);
    return this.carry(`http ${serviceName}`, JSON.stringify([serviceName, options, servers, agentKey]), agentKey,
      () => new ActiveHealthCheck(serviceName, options, servers, httpProbe(options, { agent: this.agentFor(transport), transport }), this.onTransition, this.onProbe));
  }

  /**
   * A TCP service's checker (`tcp.services.<s>.loadBalancer.healthCheck`): `probe` checks one `host:port`;
   * `identity` is what the probe depends on (check options, dial settings), so a change makes a new checker.
   */
  acquireTcp(serviceName: string, identity: unknown, schedule: ProbeSchedule, servers: readonly string[], probe: ServerProbe): ActiveHealthCheck {
    return this.carry(`tcp ${serviceName}`, JSON.stringify(['tcp', serviceName, identity, schedule, servers]), null,
      () => new ActiveHealthCheck(serviceName, schedule, servers, probe, this.onTransition, this.onProbe));
  }

  private carry(latestKey: string, key: string, agentKey: string | null, make: () => ActiveHealthCheck): ActiveHealthCheck {
    this.generation.add(key);
    let checker = this.checkers.get(key)?.checker;
    if (checker === undefined) {
      checker = make();
      // Servers added or removed make a new checker: a server the service's previous checker found DOWN stays
      // DOWN until this one's first probe says otherwise (else it would get traffic until then, and be logged again).
      for (const [url, up] of this.latest.get(latestKey)?.known() ?? []) checker.follow(url, up);
      this.checkers.set(key, { checker, agentKey });
      if (this.probe) checker.start();
      for (const [url, up] of this.followed.get(checker.serviceName) ?? []) checker.follow(url, up);
    }
    this.latest.set(latestKey, checker);
    return checker;
  }

  releaseUnused(): void {
    for (const [key, { checker }] of this.checkers) {
      if (this.generation.has(key)) continue;
      checker.stop();
      this.checkers.delete(key);
      for (const [latestKey, latest] of this.latest) if (latest === checker) this.latest.delete(latestKey);
    }
    const used = new Set([...this.checkers.values()].map((c) => c.agentKey));
    for (const [key, agent] of this.agents) {
      if (used.has(key)) continue;
      agent.close().catch(() => undefined);
      this.agents.delete(key);
    }
  }

  private agentFor(transport: UpstreamTransport): Agent {
    const key = transportKey(transport);
    let agent = this.agents.get(key);
    if (agent === undefined) this.agents.set(key, (agent = createProbeAgent(transport)));
    return agent;
  }

  stopAll(): void {
    for (const { checker } of this.checkers.values()) checker.stop();
    this.checkers.clear();
    this.latest.clear();
    for (const agent of this.agents.values()) agent.close().catch(() => undefined);
    this.agents.clear();
  }
}
