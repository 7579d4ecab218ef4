// A middleware is `{ <type>: options }` with exactly one type.
import type { z } from 'zod';
import { oneOf } from '../../schema/one-of.js';
import { middlewareRegistry, type MiddlewareRegistry, type MiddlewareType } from './registry.js';

export { middlewareRegistry, middlewareTypes, type MiddlewareType } from './registry.js';

export const middlewareSchema = oneOf('middleware', middlewareRegistry);

export type Middleware = z.output<typeof middlewareSchema>;

/** Options type of one middleware type, e.g. `MiddlewareOptions<'rateLimit'>`. */
export type MiddlewareOptions<T extends MiddlewareType> = z.output<MiddlewareRegistry[T]>;
