import type { MiddlewareOptions, MiddlewareType } from '../../labels-spec/dynamic/middlewares/index.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { Handler } from '../http/request-context.js';
import type { KeepState } from '../runtime/kept-state.js';
import { localLimits, type SharedLimits } from './traffic/shared-limits.js';
import type { RedisConnections } from './traffic/redis-link.js';

/** What a stateful middleware instance is given besides its options. */
export interface MiddlewareScope {
  /** State kept across reloads that leave router, middleware and options unchanged. */
  readonly keep: KeepState;
  /** Names router, middleware and options: the same in every worker for the same configuration. */
  readonly identity: string;
  /** Where rate-limit tokens and in-flight requests are counted (this process, or every worker). */
  readonly limits: SharedLimits;
  /** Clients for rateLimit's `redis` option, carried across reloads; absent outside a served runtime (checks, tests). */
  readonly redis?: RedisConnections | undefined;
  /** The router this instance is built for and the middleware's name, for what it reports. */
  readonly router: string;
  readonly middleware: string;
  /** Hears a circuit breaker of this instance change state. */
  readonly onBreaker: BreakerTransition;
  /** Keep-alive pools for servers a middleware calls itself (forwardAuth), carried across reloads like services' pools. */
  readonly upstreams?: UpstreamPools | undefined;
  /** A service's handler by qualified name, as routers resolve theirs (errors), or why it cannot serve. */
  readonly services: ServiceLookup;
}

export type ServiceLookup = (qualifiedName: string) => Handler | Error;

export type BreakerStateName = 'standby' | 'tripped' | 'recovering';

/** A circuit breaker changed state: said once per change, naming router and middleware (the operator logs it). */
export type BreakerTransition = (router: string, middleware: string, from: BreakerStateName, to: BreakerStateName) => void;

/** A scope with no memory and limits of its own: for instances built outside a runtime (tests, checks). */
export const freshScope: MiddlewareScope = { keep: (_slot, create) => create(), identity: '', limits: localLimits, router: '', middleware: '', onBreaker: () => undefined,
  services: (name) => new Error(`the service "${name}" does not exist`) };

/**
 * Builds one middleware instance (per router, as Traefik does) around the next handler, from options
 * labels-spec has validated and defaulted. Throws with a message naming the option when it cannot.
 * Stateful middlewares take their state through `scope`, so it survives reloads that do not change them.
 */
export type MiddlewareFactory = (options: unknown, next: Handler, scope: MiddlewareScope) => Handler;

/** A Traefik middleware type key (`rateLimit`) and its factory. */
export type MiddlewareEntry = readonly [type: string, factory: MiddlewareFactory];

/**
 * The entry for `type`, whose factory reads the options labels-spec's schema yields for that type: the compiler checks
 * that the schema's output is what the factory expects, and the one cast from the runtime's untyped options is here
 * (the runtime hands a middleware only options its type's schema validated).
 */
export function middlewareEntry<T extends MiddlewareType>(
  type: T,
  create: (options: MiddlewareOptions<T>, next: Handler, scope: MiddlewareScope) => Handler,
): MiddlewareEntry {
  return [type, (options, next, scope) => create(options as MiddlewareOptions<T>, next, scope)];
}
