import type { Handler, RequestContext } from '../../http/request-context.js';
import { sendBareStatus } from '../../http/traefik-responses.js';
import { runExchange } from '../../http/run-exchange.js';
import { freshScope, type MiddlewareScope } from '../middleware-entry.js';
import { createSourceExtractor, type SourceCriterionOptions } from './source-criterion.js';

/** inFlightReq as labels-spec outputs it (sourceCriterion defaults to requestHost). */
export interface InFlightReqOptions {
  amount: number;
  sourceCriterion?: SourceCriterionOptions | undefined;
}

/**
 * Traefik's inFlightReq (oxy connlimit): at most `amount` requests per source at once. A request counts
 * until its response is over or its client has gone ('close' covers both; for a WebSocket, the socket's end).
 */
export function createInFlightReq(options: InFlightReqOptions, next: Handler, scope: MiddlewareScope = freshScope): Handler {
  const amount = options.amount;
  // oxy compares with >=, so amount 0 (or less) refuses everything, as Traefik does.
  const refusal = `max connections reached: ${amount}`;
  const source = createSourceExtractor(options.sourceCriterion, 'host', 'inFlightReq.sourceCriterion');
  // Requests still running on the previous configuration keep counting against the new one.
  const slots = scope.keep('inFlight', () => scope.limits.inFlightSlots(scope.identity, amount));

  return (ctx: RequestContext): void => {
    const key = source(ctx);
    slots.acquire(key, (taken) => {
      if (!taken) {
        sendBareStatus(ctx, 429, refusal);
        return;
      }
      // Other workers may have been asked meanwhile: a client gone by now will never 'close' again.
      if (ctx.res.clientGone) {
        slots.release(key);
        return;
      }
      ctx.res.once('close', () => slots.release(key));
      runExchange(ctx, next);
    });
  };
}
