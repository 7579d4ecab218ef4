import type { Handler } from '../http/request-context.js';

/**
 * Builds one middleware instance (per router, as Traefik does) around the next handler, from options
 * labels-spec has validated and defaulted. Throws with a message naming the option when it cannot.
 */
export type MiddlewareFactory = (options: unknown, next: Handler) => Handler;

/** A Traefik middleware type key (`rateLimit`) and its factory. */
export type MiddlewareEntry = readonly [type: string, factory: MiddlewareFactory];
