import type { MiddlewareEntry } from '../middleware-entry.js';

/** Middlewares that admit or refuse requests: rate limits, in-flight limits, IP allow lists. */
export const TRAFFIC_MIDDLEWARES: readonly MiddlewareEntry[] = [];
