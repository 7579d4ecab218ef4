import type { Handler, RequestContext } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import type { ServiceHealth } from './service-health.js';
import { RendezvousHash } from './strategies/rendezvous-hash.js';
import type { WeightedChild } from './weighted-service.js';

export interface HighestRandomWeightService {
  handler: Handler;
  /** Up while a child with a weight is up; only meaningful with `healthCheck: {}`. */
  health: ServiceHealth;
}

/**
 * A `highestRandomWeight` service (Traefik v3.6's hrw.go): rendezvous hashing of the client's peer IP over child
 * services, with `loadBalancer.strategy: hrw`'s scoring, each child named as the service lists it (so a client
 * lands on the child Traefik would pick). A client stays on its child; a child leaving moves only its clients.
 * With `healthCheck: {}` a child that is down is skipped; weight <= 0 is never picked; none left: 503.
 */
export function createHighestRandomWeightService(children: readonly WeightedChild[]): HighestRandomWeightService {
  const balancer = new RendezvousHash(children.map((c) => ({ value: c, weight: c.weight, name: c.name })));
  const followed = children.filter((c) => c.health !== undefined);
  const refresh = (): void => {
    for (const child of followed) balancer.setUp(child, (child.health as ServiceHealth).up());
  };
  const handler = (ctx: RequestContext): void => {
    if (followed.length > 0) refresh();
    const child = balancer.next(ctx.clientIp);
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
