// Provider keys: `traefik.enable` and `traefik.docker.*` configure the Docker provider for
// one container; they are not dynamic configuration.
import { closest } from '../suggest.js';
import { unknownKeyText } from '../issues.js';
import { parseGoBool } from '../schema/go-bool.js';
import { labelIssue, type LabelIssue } from './label-issues.js';
import type { Segment } from './label-key.js';

export interface ProviderLabels {
  enable?: boolean;
  network?: string;
  /** traefik.docker.allownonrunning (Traefik v3.6): routers and an empty service stay while the container is not running. */
  allowNonRunning?: boolean;
}

const DOCKER_KEYS = ['network', 'lbswarm', 'allownonrunning'] as const;

/** traefik.docker.allownonrunning=true, read before decoding: the provider needs it to decide what to list. */
export function allowsNonRunning(labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(labels).some(([key, value]) => key.toLowerCase() === 'traefik.docker.allownonrunning' && parseGoBool(value) === true);
}

/** Reads `traefik.enable` (rest = []) or `traefik.docker.<rest>` into `out`. */
export function readProviderLabel(
  root: 'enable' | 'docker',
  rest: readonly Segment[],
  label: string,
  value: string,
  out: ProviderLabels,
  issues: LabelIssue[],
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
  const [first, ...more] = rest;
  const key = typeof first === 'string' ? DOCKER_KEYS.find((k) => k === first.toLowerCase()) : undefined;
  if (key === undefined || more.length > 0) {
    const seg = String(first ?? '');
    const suggestion = key === undefined && seg !== '' ? closest(seg, DOCKER_KEYS) : undefined;
    const text = key === undefined ? unknownKeyText(seg, suggestion, DOCKER_KEYS) : `"${key}" has no keys below it`;
    issues.push(labelIssue('error', 'PE_UNKNOWN_KEY', label, ['docker', ...rest], text, suggestion));
    return;
  }
  if (key === 'network') {
    out.network = value;
    return;
  }
  const on = parseGoBool(value);
  if (on === undefined) {
    issues.push(labelIssue('error', 'PE_INVALID_VALUE', label, ['docker', key], `expected true or false, got ${JSON.stringify(value)}`));
    return;
  }
  if (key === 'allownonrunning') {
    out.allowNonRunning = on;
    return;
  }
  issues.push(labelIssue('warning', 'PE_NOT_IMPLEMENTED', label, ['docker', key], 'applies to Docker Swarm only; ignored by pe-edge'));
}
