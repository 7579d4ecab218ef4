import { allowsNonRunning } from '../../../labels-spec/index.js';
import type { ContainerView } from './container-view.js';

/** What `docker ps --all` says of a container, as much as deciding needs. */
export interface ContainerSummary {
  Id: string;
  State?: string;
  Labels?: Record<string, string>;
}

/**
 * The containers worth inspecting: running and paused ones, and stopped ones that ask to stay routed
 * (traefik.docker.allownonrunning, Traefik v3.6), so an engine full of stopped containers costs one list call.
 */
export function containersToInspect(list: readonly ContainerSummary[]): string[] {
  return list.filter((c) => c.State === 'running' || c.State === 'paused' || allowsNonRunning(c.Labels ?? {})).map((c) => c.Id);
}

/** A container that stopped (kill, stop, die, oom): gone, unless it asked to stay routed without a server. */
export function afterStop(current: ContainerView): ContainerView | null {
  return allowsNonRunning(current.labels) ? { ...current, running: false } : null;
}
