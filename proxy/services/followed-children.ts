import type { ServiceHealth } from './service-health.js';

/** The health marks of a balancer over child services (weighted's round robin, highestRandomWeight's hash). */
export interface ChildMarks<T> {
  setUp(value: T, up: boolean): void;
  anyUp(): boolean;
}

/**
 * How a service over child services follows them with `healthCheck: {}`: each child's status is read from the live
 * children when a request or a parent needs it (service-health.ts), and marked on the balancer. `refresh` is null
 * when no child is followed, so such a service pays nothing per request.
 */
export function followChildren<T extends { readonly health?: ServiceHealth | undefined }>(
  balancer: ChildMarks<T>, children: readonly T[],
): { refresh: (() => void) | null; health: ServiceHealth } {
  const followed = children.filter((c) => c.health !== undefined);
  const refresh = (): void => {
    for (const child of followed) balancer.setUp(child, (child.health as ServiceHealth).up());
  };
  const health: ServiceHealth = {
    up: () => {
      refresh();
      return balancer.anyUp();
    },
  };
  return { refresh: followed.length === 0 ? null : refresh, health };
}
