import { basename, dirname, resolve } from 'node:path';
import type { ContainerView } from '../providers/docker/container-view.js';
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';

/**
 * The containers a compose file would start, as the Docker provider would see them, without Docker:
 * compose labels (list or map form, `$$` unescaped as compose does), exposed ports, and the service
 * name as address (compose DNS). One container per service, or `replicas` of them.
 */
export function composeContainers(compose: unknown, file: string, project?: string): { containers: ContainerView[]; errors: string[] } {
  const errors: string[] = [];
  const projectName = (project ?? basename(dirname(resolve(file)))).toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const services = isPlainObject(compose) && isPlainObject(compose.services) ? compose.services : null;
  if (services === null) return { containers: [], errors: [`${file}: no "services" section`] };
  const containers: ContainerView[] = [];
  for (const [service, def] of Object.entries(services)) {
    if (!isPlainObject(def)) {
      errors.push(`${file}: services.${service}: expected a mapping`);
      continue;
    }
    const labels = { ...composeLabels(def.labels, `${file}: services.${service}.labels`, errors), 'com.docker.compose.project': projectName, 'com.docker.compose.service': service };
    const replicas = isPlainObject(def.deploy) && typeof def.deploy.replicas === 'number' ? def.deploy.replicas : 1;
    const ports = [...containerPorts(def.expose), ...containerPorts(def.ports)].sort((a, b) => a - b);
    const networkNames = Array.isArray(def.networks) ? def.networks.map(String) : isPlainObject(def.networks) ? Object.keys(def.networks) : ['default'];
    for (let i = 1; i <= Math.max(1, replicas); i++) {
      const name = typeof def.container_name === 'string' ? def.container_name : `${projectName}_${service}_${i}`;
      const networks: Record<string, { ip: string; ipv6: string }> = {};
      for (const n of networkNames) networks[`${projectName}_${n}`] = { ip: replicas > 1 ? `${name}` : service, ipv6: '' };
      containers.push({
        id: name, name, labels, running: true, paused: false, health: null,
        networkMode: typeof def.network_mode === 'string' ? def.network_mode : 'bridge',
        networks, ports: [...new Set(ports)], bindings: {},
        // Compose names a built image `<project>-<service>` unless `image` names it.
        image: typeof def.image === 'string' ? def.image : def.build !== undefined ? `${projectName}-${service}` : undefined,
      });
    }
  }
  return { containers, errors };
}

export function composeLabels(labels: unknown, where: string, errors: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (labels === undefined || labels === null) return out;
  const unescape = (v: string): string => interpolate(v, where, errors);
  if (Array.isArray(labels)) {
    for (const entry of labels) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq === -1) out[text] = '';
      else out[text.slice(0, eq)] = unescape(text.slice(eq + 1));
    }
  } else if (isPlainObject(labels)) {
    for (const [k, v] of Object.entries(labels)) out[k] = unescape(v === null ? '' : String(v));
  } else {
    errors.push(`${where}: expected a list or a mapping`);
  }
  return out;
}

/**
 * Compose's variable interpolation, which runs before Docker ever sees a label: `$$` is a literal `$`,
 * `${VAR}`, `${VAR:-default}` and `${VAR:?message}` read the environment (an unset `:?` is an error).
 */
function interpolate(value: string, where: string, errors: string[]): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const variable = (name ?? bare) as string;
    const value = process.env[variable];
    const unset = op !== undefined && op.startsWith(':') ? value === undefined || value === '' : value === undefined;
    if (!unset) return value ?? '';
    if (op === ':-' || op === '-') return arg ?? '';
    if (op === ':?' || op === '?') {
      errors.push(`${where}: required variable ${variable} is not set: ${arg ?? ''}`);
      return '';
    }
    return '';
  });
}

/** Container-side ports of `expose: [3000]` and `ports: ["8080:80", "443:443/tcp", {target: 80}]`. */
function containerPorts(list: unknown): number[] {
  if (!Array.isArray(list)) return [];
  const out: number[] = [];
  for (const entry of list) {
    if (isPlainObject(entry) && typeof entry.target === 'number') { out.push(entry.target); continue; }
    const text = String(entry).split('/')[0] ?? '';
    const container = text.split(':').pop() ?? '';
    const port = Number.parseInt(container.split('-')[0] ?? '', 10);
    if (Number.isInteger(port) && port > 0) out.push(port);
  }
  return out;
}

