import type { BreakerTransition } from '../middlewares/middleware-entry.js';
import { localLimits, type SharedLimits } from '../middlewares/traffic/shared-limits.js';
import type { RedisConnections } from '../middlewares/traffic/redis-link.js';

/**
 * Returns the state object a middleware instance kept under `slot` in the previous runtime, or
 * creates it. Identity is (router, middleware, options): a reload that leaves them unchanged keeps
 * rate-limit buckets, in-flight counts and circuit-breaker windows (Traefik resets them all).
 */
export type KeepState = <T>(slot: string, create: () => T) => T;

/** Middleware state carried from one runtime to the next, released when no build uses it. */
export class KeptState {
  private readonly states = new Map<string, unknown>();
  private generation = new Set<string>();

  /**
   * `limits`: where rate limits and in-flight requests are counted (every worker's, under `--workers`);
   * `onBreaker`: hears the circuit breakers' state changes; `redis`: rateLimit's Redis clients (none in a check).
   */
  constructor(
    readonly limits: SharedLimits = localLimits,
    readonly onBreaker: BreakerTransition = () => undefined,
    readonly redis?: RedisConnections,
  ) {}

  beginBuild(): void {
    this.generation = new Set();
    this.redis?.beginBuild();
  }

  /** The KeepState of one middleware instance; `identity` names router, middleware and options. */
  scope(identity: string): KeepState {
    return <T>(slot: string, create: () => T): T => {
      const key = `${identity}\u0000${slot}`;
      this.generation.add(key);
      if (this.states.has(key)) return this.states.get(key) as T;
      const state = create();
      this.states.set(key, state);
      return state;
    };
  }

  releaseUnused(): void {
    for (const key of this.states.keys()) if (!this.generation.has(key)) this.states.delete(key);
    this.redis?.releaseUnused();
  }
}
