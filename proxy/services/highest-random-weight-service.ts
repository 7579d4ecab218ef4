import type { RequestContext } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import { followChildren } from './followed-children.js';
import { RendezvousHash } from './strategies/rendezvous-hash.js';
import type { WeightedChild, WeightedService } from './weighted-service.js';

/**
 * A `highestRandomWeight` service (Traefik v3.6's hrw.go): rendezvous hashing of the client's peer IP over child
 * services, with `loadBalancer.strategy: hrw`'s scoring, each child named as the service lists it (so a client
 * lands on the child Traefik would pick). A client stays on its child; a child leaving moves only its clients.
 * With `healthCheck: {}` a child that is down is skipped; weight <= 0 is never picked; none left: 503.
 */
export function createHighestRandomWeightService(children: readonly WeightedChild[]): WeightedService {
  const balancer = new RendezvousHash(children.map((c) => ({ value: c, weight: c.weight, name: c.name })));
  const { refresh, health } = followChildren(balancer, children);
  const handler = (ctx: RequestContext): void => {
    refresh?.();
    const child = balancer.next(ctx.clientIp);
    if (child === undefined) sendNoAvailableServer(ctx);
    else child.handler(ctx);
  };
  return { handler, health };
}
