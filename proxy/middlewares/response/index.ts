import type { MiddlewareEntry } from '../middleware-entry.js';

/** Middlewares that act on the upstream's answer: compress, circuitBreaker, retry. */
export const RESPONSE_MIDDLEWARES: readonly MiddlewareEntry[] = [];
