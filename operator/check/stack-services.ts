import { basename, dirname, resolve } from 'node:path';
import type { ContainerView } from '../providers/docker/container-view.js';
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';
import { composeLabels } from './compose-containers.js';

/** A compose file is checked as a stack for `docker stack deploy` when one of its services has `deploy.labels`. */
export function isStackFile(compose: unknown): boolean {
  if (!isPlainObject(compose) || !isPlainObject(compose.services)) return false;
  return Object.values(compose.services).some((def) => isPlainObject(def) && isPlainObject(def.deploy) && def.deploy.labels !== undefined);
}

/**
 * The Swarm services a stack file would create, as the Swarm provider sees them, without Docker: one view per
 * service named `<stack>_<service>` as `docker stack deploy` names it, its `deploy.labels` (the service's labels,
 * which providers.swarm reads; container `labels` are not), and one task address per network. A service's tasks share
 * its labels, so one view stands for all of them.
 */
export function stackServices(compose: unknown, file: string, stack?: string): { services: ContainerView[]; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const stackName = (stack ?? basename(dirname(resolve(file)))).toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const services: ContainerView[] = [];
  if (!isPlainObject(compose) || !isPlainObject(compose.services)) return { services, errors: [`${file}: no "services" section`], warnings };
  for (const [service, def] of Object.entries(compose.services)) {
    if (!isPlainObject(def)) {
      errors.push(`${file}: services.${service}: expected a mapping`);
      continue;
    }
    const deploy = isPlainObject(def.deploy) ? def.deploy : {};
    const labels = composeLabels(deploy.labels, `${file}: services.${service}.deploy.labels`, errors);
    const containerLabels = composeLabels(def.labels, `${file}: services.${service}.labels`, errors);
    if (Object.keys(containerLabels).some((k) => k.startsWith('traefik.'))) {
      warnings.push(`${file}: services.${service}.labels: traefik.* labels there are container labels, which providers.swarm does not read; put them under services.${service}.deploy.labels`);
    }
    const name = `${stackName}_${service}`;
    const networkNames = Array.isArray(def.networks) ? def.networks.map(String) : isPlainObject(def.networks) ? Object.keys(def.networks) : ['default'];
    const networks: Record<string, { ip: string; ipv6: string }> = {};
    for (const n of networkNames) networks[`${stackName}_${n}`] = { ip: `tasks.${name}`, ipv6: '' };
    services.push({
      id: name, name: `${name}.1`, swarmService: name, labels: { ...labels, 'com.docker.stack.namespace': stackName },
      running: true, paused: false, health: null, networkMode: '', networks, ports: [], bindings: {},
      image: typeof def.image === 'string' ? def.image : undefined,
    });
  }
  return { services, errors, warnings };
}
