import { reportFault } from './exchange-fault.js';
import type { Handler, RequestContext } from './request-context.js';
import { sendGoStatusError } from './traefik-responses.js';

/**
 * Calls `handler(ctx)`; a throw costs that exchange a 500 (its connection cut, once its answer started) and one
 * fault report, never the process. Routing calls each router's chain through it, and so does every middleware or
 * service that goes on with the chain later: after a timer (rateLimit's delay, a retry's backoff), a promise
 * (basicAuth's hash, a limit the primary or Redis decided) or a stream's event (a body read whole first). Nothing
 * above such a callback catches, and node would end the process (under `--workers`, the primary then stops them all).
 */
export function runExchange(ctx: RequestContext, handler: Handler): void {
  try {
    handler(ctx);
  } catch (err) {
    reportFault(ctx, 'handler', err);
    sendGoStatusError(ctx, 500);
  }
}
