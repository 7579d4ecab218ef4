import type { CompiledMatcher } from './matcher-types.js';

/** Method(`get`) compares upper-cased against the method as sent. */
export function compileMethod(arg: string): CompiledMatcher {
  const method = arg.toUpperCase();
  return { predicate: (ctx) => ctx.method === method };
}
