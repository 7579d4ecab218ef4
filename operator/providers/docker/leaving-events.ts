import type { ContainerEvent } from './docker-events.js';

/** Signals that end a process: a `kill` event carrying one of these means the container is going away. */
export const TERMINATING_SIGNALS: ReadonlySet<string> = new Set(['15', '9', '2', '3', 'SIGTERM', 'SIGKILL', 'SIGINT', 'SIGQUIT', 'TERM', 'KILL', 'INT', 'QUIT']);

/**
 * Container events after which a container serves no new request: it stopped, is paused, or its health is not
 * `healthy`. Traefik routes only containers whose health is `healthy` (or that have no HEALTHCHECK): its Docker
 * provider re-lists on every `health_status` event and drops `starting` and `unhealthy` alike; its Swarm provider
 * lists running tasks only, and Swarm reports a task running only once its HEALTHCHECK passed. So one list serves
 * both providers (a Swarm task's container sends the same events on its node).
 */
const LEAVING_ACTIONS: ReadonlySet<string> = new Set(['stop', 'die', 'destroy', 'oom', 'pause', 'health_status: unhealthy', 'health_status: starting']);

/**
 * Whether a container event takes the container (or the Swarm task it runs) out of the pool at once: a `kill`
 * with a signal that ends the process (none named: Docker's SIGKILL), or one of LEAVING_ACTIONS. pe-edge acts on
 * `kill` so that a stopping container leaves before it stops answering (Traefik waits for `die`).
 */
export function leavesPool(e: ContainerEvent): boolean {
  if (e.action === 'kill') {
    const signal = e.attributes.signal;
    return signal === undefined || TERMINATING_SIGNALS.has(signal.toUpperCase());
  }
  return LEAVING_ACTIONS.has(e.action);
}
