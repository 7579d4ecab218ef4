import type { RequestContext } from '../http/request-context.js';

/** A compiled leaf of a rule: built once per router, called per request. */
export type Predicate = (ctx: RequestContext) => boolean;

export interface CompiledMatcher {
  readonly predicate: Predicate;
  /**
   * Exact canonical hosts this matcher can only match (Host without wildcards); undefined when the
   * matcher says nothing about the host. Feeds the router table's host index.
   */
  readonly exactHosts?: readonly string[];
}

export interface MatcherSpec {
  /** Accepted argument counts; 'many' = one or more. */
  readonly arity: readonly number[] | 'many';
  compile(args: readonly string[]): CompiledMatcher;
}

/** A bad matcher argument; the compiler adds the matcher's column and rethrows a RuleSyntaxError. */
export class MatcherArgumentError extends Error {}
