import type { Handler, RequestContext } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import { WeightedRoundRobin } from './weighted-round-robin.js';

/** A `weighted` service: the same EDF round robin, over child services instead of servers. */
export function createWeightedService(children: readonly { handler: Handler; weight: number }[]): Handler {
  const balancer = new WeightedRoundRobin(children.map((c) => ({ value: c.handler, weight: c.weight })));
  return (ctx: RequestContext): void => {
    const child = balancer.next();
    if (child === undefined) sendNoAvailableServer(ctx);
    else child(ctx);
  };
}
