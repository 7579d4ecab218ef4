import { Agent } from 'undici';
import { ActiveHealthCheck, type HealthCheckOptions } from './active-health-check.js';

export type HealthTransition = (serviceName: string, serverUrl: string, up: boolean, reason: string) => void;

/**
 * Health checkers carried from one runtime to the next by (service, check options, servers):
 * a reload that does not touch a service keeps its checker, its timers and what it knows.
 */
export class HealthChecks {
  private readonly checkers = new Map<string, ActiveHealthCheck>();
  private generation = new Set<string>();
  private readonly agent = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 1000 });

  /** `probe: false` builds checkers without ever probing (configuration checks, `pe-edge check`). */
  constructor(private readonly onTransition: HealthTransition, private readonly probe = true) {}

  beginBuild(): void {
    this.generation = new Set();
  }

  acquire(serviceName: string, options: HealthCheckOptions, servers: readonly string[]): ActiveHealthCheck {
    const key = JSON.stringify([serviceName, options, servers]);
    this.generation.add(key);
    let checker = this.checkers.get(key);
    if (checker === undefined) {
      checker = new ActiveHealthCheck(serviceName, options, servers, this.agent, this.onTransition);
      this.checkers.set(key, checker);
      if (this.probe) checker.start();
    }
    return checker;
  }

  releaseUnused(): void {
    for (const [key, checker] of this.checkers) {
      if (this.generation.has(key)) continue;
      checker.stop();
      this.checkers.delete(key);
    }
  }

  stopAll(): void {
    for (const checker of this.checkers.values()) checker.stop();
    this.checkers.clear();
    this.agent.close().catch(() => undefined);
  }
}
