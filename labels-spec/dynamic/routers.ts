// HTTP routers. The rule is compiled by the proxy; here it only has to be a non-empty string.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { bool, int, nonEmptyStr, str, strList } from '../schema/scalars.js';
import { routerTls } from './router-tls.js';

// Traefik rejects user priorities above math.MaxInt - 1000; JS integers stop earlier. Negative ones are valid
// (a `priority: -1` catch-all serves what nothing else matches); 0 means the rule's length.
const MAX_PRIORITY = Number.MAX_SAFE_INTEGER - 1000;

/** The keys HTTP and TCP routers share (Traefik's Router and TCPRouter), with the same rules. */
export const routerCommon = {
  rule: nonEmptyStr,
  ruleSyntax: z.enum(['v3', 'v2']).optional(),
  entryPoints: strList.optional(),
  middlewares: strList.optional(),
  // Optional: label providers assign a service when a container defines exactly one.
  service: str.optional(),
  priority: int.pipe(z.number().min(-MAX_PRIORITY, 'priority is too small').max(MAX_PRIORITY, 'priority is too large')).optional(),
};

export const routerSchema = strictObject({
  ...routerCommon,
  tls: routerTls.optional(),
  // v3.6 multi-layer routing: the routers this one is a child of (file provider only; labels cannot set it).
  parentRefs: strList.optional(),
  // v3.1+: per-router observability switches.
  observability: strictObject({
    accessLogs: bool.optional(),
    metrics: bool.optional(),
    tracing: bool.optional(),
    // v3.5 (minimal, detailed): accepted, warned by name when set (pe-edge has no tracing yet).
    traceVerbosity: str.optional(),
  }).optional(),
});

export type Router = z.output<typeof routerSchema>;
