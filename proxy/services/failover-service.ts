import type { Handler, RequestContext } from '../http/request-context.js';
import { sendGoStatusError } from '../http/traefik-responses.js';
import { serveOrFailOver, type FailoverErrors } from './failover-errors.js';
import type { ServiceHealth } from './service-health.js';

export interface FailoverService {
  handler: Handler;
  /** Up while the main service or the fallback is (Traefik reports DOWN only when both are). */
  health: ServiceHealth;
}

/**
 * A `failover` service (Traefik's failover.go): the main service while it has a healthy server, else the
 * fallback, else 503. `fallback` is the fallback's health when the failover has `healthCheck: {}`; without
 * it Traefik does not follow the fallback, which then counts as up. With `errors` (v3.7) an answer of the main
 * service in its ranges goes to the fallback too, under the same rule (followed and down: 503).
 */
export function createFailoverService(
  main: Handler, mainHealth: ServiceHealth, fallback: Handler, fallbackHealth: ServiceHealth, errors: FailoverErrors | null = null,
): FailoverService {
  const toFallback = (ctx: RequestContext): void => {
    if (fallbackHealth.up()) fallback(ctx);
    else sendGoStatusError(ctx, 503);
  };
  const handler = (ctx: RequestContext): void => {
    if (!mainHealth.up()) toFallback(ctx);
    else if (errors === null) main(ctx);
    else serveOrFailOver(ctx, errors, main, toFallback);
  };
  return { handler, health: { up: () => mainHealth.up() || fallbackHealth.up() } };
}
