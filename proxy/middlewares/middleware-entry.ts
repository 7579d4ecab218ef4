import type { Handler } from '../http/request-context.js';
import type { KeepState } from '../runtime/kept-state.js';

/**
 * Builds one middleware instance (per router, as Traefik does) around the next handler, from options
 * labels-spec has validated and defaulted. Throws with a message naming the option when it cannot.
 * Stateful middlewares take their state through `keep`, so it survives reloads that do not change them.
 */
export type MiddlewareFactory = (options: unknown, next: Handler, keep: KeepState) => Handler;

/** A Traefik middleware type key (`rateLimit`) and its factory. */
export type MiddlewareEntry = readonly [type: string, factory: MiddlewareFactory];
