import type { Handler, RequestContext } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import type { ServiceHealth } from './service-health.js';
import { WeightedRoundRobin } from './strategies/weighted-round-robin.js';

export interface WeightedChild {
  handler: Handler;
  weight: number;
  /** The child's status, followed when the weighted service has `healthCheck: {}`; undefined otherwise. */
  health?: ServiceHealth | undefined;
}

export interface WeightedService {
  handler: Handler;
  /** Up while a child with a weight is up; only meaningful with `healthCheck: {}`. */
  health: ServiceHealth;
}

/**
 * A `weighted` service: the same EDF round robin, over child services instead of servers. With
 * `healthCheck: {}` (every child then has a health) a child that is down is skipped, as Traefik's balancer
 * skips a child that reported DOWN.
 */
export function createWeightedService(children: readonly WeightedChild[]): WeightedService {
  const balancer = new WeightedRoundRobin(children.map((c) => ({ value: c, weight: c.weight })));
  const followed = children.filter((c) => c.health !== undefined);
  const refresh = (): void => {
    for (const child of followed) balancer.setUp(child, (child.health as ServiceHealth).up());
  };
  const handler = followed.length === 0
    ? (ctx: RequestContext): void => {
      const child = balancer.next();
      if (child === undefined) sendNoAvailableServer(ctx);
      else child.handler(ctx);
    }
    : (ctx: RequestContext): void => {
      refresh();
      const child = balancer.next();
      if (child === undefined) sendNoAvailableServer(ctx);
      else child.handler(ctx);
    };
  const health: ServiceHealth = {
    up: () => {
      refresh();
      return balancer.anyUp();
    },
  };
  return { handler, health };
}
