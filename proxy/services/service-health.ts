/**
 * Whether a service can serve, as a parent with `healthCheck: {}` (weighted, mirroring, failover) sees it:
 * Traefik's StatusUpdater. Traefik pushes each change up the tree; pe-edge reads the same answer from the live
 * balancers when a request needs it, so nothing is registered on a balancer that outlives this runtime.
 */
export interface ServiceHealth {
  up(): boolean;
}

/**
 * Why a service cannot tell its parents its status (Traefik's RegisterStatusUpdater error), or null when it is
 * no StatusUpdater at all (internal services).
 */
export class NoHealth {
  constructor(readonly reason: string | null) {}

  /** The error of `parent`, which needs the status of its child `child` (named as its configuration writes it). */
  errorFor(child: string, parent: string): Error {
    return this.reason === null
      ? new Error(`child service ${child} of ${parent} not a healthcheck.StatusUpdater`)
      : new Error(`cannot register ${child} as updater for ${parent}: ${this.reason}`);
  }
}

export const ALWAYS_UP: ServiceHealth = { up: () => true };
