// What the dashboard learns from the providers, beyond the runtime: their problems and the containers behind servers.
import type { ConfigProblem } from '../../proxy/observability/change-log.js';
import type { DockerSnapshot } from '../providers/docker/docker-provider.js';

/** Label problems of each container (typos with their suggestion among them) and the provider's merge conflicts. */
export function dockerProblems(snapshot: DockerSnapshot): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const r of snapshot.containers) {
    const container = r.container.name;
    for (const issue of r.issues) out.push({ provider: 'docker', severity: issue.severity, container, message: `container ${container}: ${issue.message}` });
    if (r.kind === 'skipped' && r.issues.some((i) => i.severity === 'error')) {
      out.push({ provider: 'docker', severity: 'error', container, message: `container ${container} left out: ${r.reason}` });
    }
  }
  for (const message of snapshot.errors) out.push({ provider: 'docker', severity: 'error', message });
  return out;
}

/** Server URL → the name of the container it came from. */
export function serverContainers(snapshot: DockerSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of snapshot.containers) {
    if (r.kind !== 'routed') continue;
    for (const service of Object.values(r.config.http.services)) {
      if (!('loadBalancer' in service)) continue;
      for (const server of service.loadBalancer.servers) out.set(server.url, r.container.name);
    }
  }
  return out;
}

/** The container a Docker event names (its `name` attribute), when there is one. */
export function eventContainer(snapshot: DockerSnapshot): string | undefined {
  const name = snapshot.cause?.attributes['name'];
  return name === undefined || name === '' ? undefined : name;
}
