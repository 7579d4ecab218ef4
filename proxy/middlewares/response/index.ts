import type { MiddlewareEntry } from '../middleware-entry.js';
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { createCompress, type CompressOptions } from './compress.js';
import { createErrorPages, type ErrorPagesOptions } from './error-pages.js';
import { createRetry, type RetryOptions } from './retry.js';

/** Middlewares that act on the upstream's answer: compress, circuitBreaker, retry, errors. */
export const RESPONSE_MIDDLEWARES: readonly MiddlewareEntry[] = [
  ['compress', (options, next) => createCompress(options as CompressOptions, next)],
  ['circuitBreaker', (options, next, scope) => createCircuitBreaker(options as CircuitBreakerOptions, next, scope)],
  ['retry', (options, next) => createRetry(options as RetryOptions, next)],
  ['errors', (options, next, scope) => createErrorPages(options as ErrorPagesOptions, next, scope)],
];
