import type { ContainerResult } from './container-config.js';
import { containerServiceName } from './container-view.js';
import type { ProviderLog } from './docker-provider.js';

/**
 * The Docker provider's log of each container's label problems: once per container, again only when they change.
 * A container left out for its labels says whether other replicas of its service still serve, or none does.
 */
export class ContainerReport {
  private readonly reported = new Map<string, string>();

  constructor(private readonly log: ProviderLog) {}

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
      seen.add(r.container.id);
      const service = containerServiceName(r.container);
      const count = replicas.get(service) ?? { all: 1, routed: 0 };
      const leftOut = r.kind === 'skipped' && r.issues.some((i) => i.severity === 'error');
      const lines = r.issues.map((i) => `${i.severity}: ${i.message}`);
      if (r.kind === 'skipped') lines.push(`skipped: ${r.reason}`, `replicas: ${count.routed}/${count.all}`);
      else lines.push(...r.warnings.map((w) => `warning: ${w}`));
      const signature = lines.join('\n');
      if (this.reported.get(r.container.id) === signature) continue;
      this.reported.set(r.container.id, signature);
      const fields = { provider: 'docker', container: r.container.name };
      for (const issue of r.issues) {
        const text = `container ${r.container.name}: ${issue.message}`;
        if (issue.severity === 'error') this.log.error(text, fields);
        else this.log.warn(text, fields);
      }
      if (leftOut) {
        const outcome = count.routed > 0
          ? `${count.routed} other replica(s) of service "${service}" keep serving`
          : `every replica of service "${service}" is left out (${count.all} of ${count.all}): nothing of it is routed until its labels are fixed`;
        this.log.error(`container ${r.container.name} left out: ${r.reason}; ${outcome}`, { ...fields, service });
      }
      if (r.kind === 'routed') for (const w of r.warnings) this.log.warn(w, fields);
    }
    for (const id of this.reported.keys()) if (!seen.has(id)) this.reported.delete(id);
  }
}
