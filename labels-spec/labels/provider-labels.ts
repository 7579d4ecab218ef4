// Provider keys: `traefik.enable`, `traefik.docker.*` and `traefik.swarm.*` configure the Docker or Swarm
// provider for one container or service; they are not dynamic configuration.
import { closest } from '../suggest.js';
import { unknownKeyText } from '../issues.js';
import { parseGoBool } from '../schema/go-bool.js';
import { labelIssue, type LabelIssue } from './label-issues.js';
import type { Segment } from './label-key.js';

/** Which provider reads the labels: Traefik's Docker provider reads traefik.docker.*, its Swarm provider traefik.swarm.* (and, deprecated, traefik.docker.*). */
export type LabelProvider = 'docker' | 'swarm';

export interface ProviderLabels {
  enable?: boolean;
  network?: string;
  /** traefik.docker.allownonrunning (Traefik v3.6): routers and an empty service stay while the container is not running. */
  allowNonRunning?: boolean;
  /** traefik.swarm.lbswarm: route to the service's virtual IP rather than to each task (Swarm provider). */
  lbSwarm?: boolean;
}

const DOCKER_KEYS = ['network', 'lbswarm', 'allownonrunning'] as const;
const SWARM_KEYS = ['network', 'lbswarm'] as const;

/** traefik.docker.allownonrunning=true, read before decoding: the provider needs it to decide what to list. */
export function allowsNonRunning(labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(labels).some(([key, value]) => key.toLowerCase() === 'traefik.docker.allownonrunning' && parseGoBool(value) === true);
}

/**
 * traefik.swarm.lbswarm (or the deprecated traefik.docker.lbswarm), read before decoding: the Swarm provider needs
 * it to decide whether to list the service's tasks or take its virtual IP. A value that is not a boolean is false
 * here; the decoder reports it.
 */
export function swarmLabelSettings(labels: Readonly<Record<string, string>>): { lbSwarm: boolean } {
  let swarm: boolean | undefined;
  let docker: boolean | undefined;
  for (const [key, value] of Object.entries(labels)) {
    const lower = key.toLowerCase();
    if (lower === 'traefik.swarm.lbswarm') swarm = parseGoBool(value);
    else if (lower === 'traefik.docker.lbswarm') docker = parseGoBool(value);
  }
  return { lbSwarm: (swarm ?? docker) === true };
}

/** Reads `traefik.enable` (rest = []), `traefik.docker.<rest>` or `traefik.swarm.<rest>` into `out`. */
export function readProviderLabel(
  root: 'enable' | 'docker' | 'swarm',
  rest: readonly Segment[],
  label: string,
  value: string,
  out: ProviderLabels,
  issues: LabelIssue[],
  provider: LabelProvider = 'docker',
): void {
  if (root === 'enable') {
    if (rest.length > 0) {
      issues.push(labelIssue('error', 'PE_UNKNOWN_KEY', label, ['enable'], '"traefik.enable" has no keys below it'));
      return;
    }
    const enable = parseGoBool(value);
    if (enable === undefined) issues.push(labelIssue('error', 'PE_INVALID_VALUE', label, ['enable'], `expected true or false, got ${JSON.stringify(value)}`));
    else out.enable = enable;
    return;
  }
  const keys: readonly string[] = root === 'docker' ? DOCKER_KEYS : SWARM_KEYS;
  const [first, ...more] = rest;
  const key = typeof first === 'string' ? keys.find((k) => k === first.toLowerCase()) : undefined;
  if (key === undefined || more.length > 0) {
    const seg = String(first ?? '');
    const suggestion = key === undefined && seg !== '' ? closest(seg, keys) : undefined;
    const text = key === undefined ? unknownKeyText(seg, suggestion, keys) : `"${key}" has no keys below it`;
    issues.push(labelIssue('error', 'PE_UNKNOWN_KEY', label, [root, ...rest], text, suggestion));
    return;
  }
  // Traefik's Docker provider decodes only traefik.docker.*: a Swarm key on a container is someone else's.
  if (root === 'swarm' && provider === 'docker') {
    issues.push(labelIssue('warning', 'PE_NOT_IMPLEMENTED', label, [root, key], 'read by the Swarm provider only (providers.swarm); ignored by the Docker provider'));
    return;
  }
  if (root === 'docker' && provider === 'swarm' && key !== 'allownonrunning') {
    issues.push(labelIssue('warning', 'PE_DEPRECATED', label, [root, key], `traefik.docker.* labels are deprecated for the Swarm provider; use traefik.swarm.${key}`));
  }
  if (key === 'network') {
    out.network = value;
    return;
  }
  const on = parseGoBool(value);
  if (on === undefined) {
    issues.push(labelIssue('error', 'PE_INVALID_VALUE', label, [root, key], `expected true or false, got ${JSON.stringify(value)}`));
    return;
  }
  if (key === 'allownonrunning') {
    if (provider === 'swarm') issues.push(labelIssue('warning', 'PE_NOT_IMPLEMENTED', label, [root, key], 'read by the Docker provider only; a Swarm service routes its running tasks'));
    else out.allowNonRunning = on;
    return;
  }
  if (provider === 'swarm') {
    out.lbSwarm = on;
    return;
  }
  issues.push(labelIssue('warning', 'PE_NOT_IMPLEMENTED', label, ['docker', key], 'applies to Docker Swarm only; ignored by pe-edge\'s Docker provider (the Swarm provider reads traefik.swarm.lbswarm)'));
}
