import { compileRule, type CompiledRule, type RuleSyntax } from '../rules/compile.js';
import { CarriedByBuild } from './carried-by-build.js';

/**
 * Compiled rules carried from one runtime to the next by (syntax, rule text): a compiled rule is a pure
 * predicate plus its exact hosts, so a rebuild reuses it for every router whose rule did not change
 * (a Docker event that touches one container compiles one rule, not twenty thousand). A rule that does
 * not compile keeps its error. Rules no build used since the last completed one are dropped.
 */
export class CompiledRules {
  private readonly rules = new CarriedByBuild<CompiledRule | Error>();

  beginBuild(): void {
    this.rules.beginBuild();
  }

  /** The compiled rule, or the error compiling it raised (a RuleSyntaxError names the column). */
  get(rule: string, syntax: RuleSyntax): CompiledRule | Error {
    const key = syntax === 'v3' ? rule : `v2\u0000${rule}`;
    let compiled = this.rules.take(key);
    if (compiled === undefined) {
      try {
        compiled = compileRule(rule, syntax);
      } catch (err) {
        compiled = err instanceof Error ? err : new Error(String(err));
      }
      this.rules.keep(key, compiled);
    }
    return compiled;
  }

  releaseUnused(): void {
    this.rules.releaseUnused();
  }

  get size(): number {
    return this.rules.size;
  }
}
