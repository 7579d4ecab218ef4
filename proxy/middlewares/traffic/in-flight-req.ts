import { freshState, type KeepState } from '../../runtime/kept-state.js';
import type { Handler, RequestContext } from '../../http/request-context.js';
import { sendBareStatus } from '../../http/traefik-responses.js';
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
export function createInFlightReq(options: InFlightReqOptions, next: Handler, keep: KeepState = freshState): Handler {
  const amount = options.amount;
  // oxy compares with >=, so amount 0 (or less) refuses everything, as Traefik does.
  const refusal = `max connections reached: ${amount}`;
  const source = createSourceExtractor(options.sourceCriterion, 'host', 'inFlightReq.sourceCriterion');
  // Requests still running on the previous configuration keep counting against the new one.
  const inFlight = keep('inFlight', () => new Map<string, number>());
  const release = (key: string): void => {
    const left = (inFlight.get(key) ?? 1) - 1;
    // Forget idle sources, or the map grows forever.
    if (left <= 0) inFlight.delete(key);
    else inFlight.set(key, left);
  };

  return (ctx: RequestContext): void => {
    const key = source(ctx);
    const current = inFlight.get(key) ?? 0;
    if (current >= amount) {
      sendBareStatus(ctx, 429, refusal);
      return;
    }
    inFlight.set(key, current + 1);
    ctx.res.once('close', () => release(key));
    next(ctx);
  };
}
