import type { ContainerResult } from './container-config.js';
import { containerServiceName, type ContainerView } from './container-view.js';
import type { ProviderLog } from './docker-provider.js';

/**
 * The Docker provider's log of each container's label problems: once per container, again only when they change.
 * A container left out for its labels says whether other replicas of its service still serve, or none does.
 */
export class ContainerReport {
  private readonly reported = new Map<string, string>();

  /**
   * `provider` names the log lines' provider; a Swarm service's tasks share its labels, so the Swarm provider
   * reports once per service (subject `Swarm service <name>`), the Docker provider once per container.
   */
  constructor(private readonly log: ProviderLog, private readonly provider: 'docker' | 'swarm' = 'docker') {}

  private subject(c: ContainerView): string {
    return c.swarmService !== undefined ? `Swarm service ${c.swarmService}` : `container ${c.name}`;
  }

  report(results: readonly ContainerResult[]): void {
    const replicas = new Map<string, { all: number; routed: number }>();
    for (const r of results) {
      const count = replicas.get(containerServiceName(r.container)) ?? { all: 0, routed: 0 };
      count.all++;
      if (r.kind === 'routed') count.routed++;
      replicas.set(containerServiceName(r.container), count);
    }
    const seen = new Set<string>();
    for (const r of results) {
      const subject = this.subject(r.container);
      // A container is reported by id (a recreated one is new); a Swarm service once, whichever task shows it.
      const key = r.container.swarmService !== undefined ? subject : r.container.id;
      if (seen.has(key)) continue;
      seen.add(key);
      const service = containerServiceName(r.container);
      const count = replicas.get(service) ?? { all: 1, routed: 0 };
      const leftOut = r.kind === 'skipped' && r.issues.some((i) => i.severity === 'error');
      const lines = r.issues.map((i) => `${i.severity}: ${i.message}`);
      if (r.kind === 'skipped') lines.push(`skipped: ${r.reason}`, `replicas: ${count.routed}/${count.all}`);
      else lines.push(...r.warnings.map((w) => `warning: ${w}`));
      const signature = lines.join('\n');
      if (this.reported.get(key) === signature) continue;
      this.reported.set(key, signature);
      const fields = r.container.swarmService !== undefined ? { provider: this.provider, service: r.container.swarmService } : { provider: this.provider, container: r.container.name };
      for (const issue of r.issues) {
        const text = `${subject}: ${issue.message}`;
        if (issue.severity === 'error') this.log.error(text, fields);
        else this.log.warn(text, fields);
      }
      if (leftOut) {
        const outcome = count.routed > 0
          ? `${count.routed} other replica(s) of service "${service}" keep serving`
          : `every replica of service "${service}" is left out (${count.all} of ${count.all}): nothing of it is routed until its labels are fixed`;
        this.log.error(`${subject} left out: ${r.reason}; ${outcome}`, { ...fields, service });
      }
      if (r.kind === 'routed') for (const w of r.warnings) this.log.warn(w, fields);
    }
    for (const id of this.reported.keys()) if (!seen.has(id)) this.reported.delete(id);
  }
}
