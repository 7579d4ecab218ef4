import { middlewareEntry, type MiddlewareEntry } from '../middleware-entry.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createCompress } from './compress.js';
import { createErrorPages } from './error-pages.js';
import { createRetry } from './retry.js';

/** Middlewares that act on the upstream's answer: compress, circuitBreaker, retry, errors. */
export const RESPONSE_MIDDLEWARES: readonly MiddlewareEntry[] = [
  middlewareEntry('compress', createCompress),
  middlewareEntry('circuitBreaker', createCircuitBreaker),
  middlewareEntry('retry', createRetry),
  middlewareEntry('errors', createErrorPages),
];
