import { compileClientIp } from './match-client-ip.js';
import { compileHeader, compileHeaderRegexp } from './match-header.js';
import { compileHost, compileHostRegexp } from './match-host.js';
import { compileMethod } from './match-method.js';
import { compilePath, compilePathPrefix, compilePathRegexp } from './match-path.js';
import { compileQuery, compileQueryRegexp } from './match-query.js';
import type { MatcherSpec } from './matcher-types.js';

export { MatcherArgumentError } from './matcher-types.js';
export type { CompiledMatcher, MatcherSpec, Predicate } from './matcher-types.js';

/** The v3 matcher table (Traefik pkg/muxer/http/matcher.go): name -> arity + compile(args). */
export const V3_MATCHERS: ReadonlyMap<string, MatcherSpec> = new Map<string, MatcherSpec>([
  ['Host', { arity: [1], compile: ([h]) => compileHost(h as string) }],
  ['HostRegexp', { arity: [1], compile: ([re]) => compileHostRegexp(re as string) }],
  ['Path', { arity: [1], compile: ([p]) => compilePath(p as string) }],
  ['PathPrefix', { arity: [1], compile: ([p]) => compilePathPrefix(p as string) }],
  ['PathRegexp', { arity: [1], compile: ([re]) => compilePathRegexp(re as string) }],
  ['Method', { arity: [1], compile: ([m]) => compileMethod(m as string) }],
  ['Header', { arity: [2], compile: ([k, v]) => compileHeader(k as string, v as string) }],
  ['HeaderRegexp', { arity: [2], compile: ([k, re]) => compileHeaderRegexp(k as string, re as string) }],
  ['Query', { arity: [1, 2], compile: ([k, v]) => compileQuery(k as string, v) }],
  ['QueryRegexp', { arity: [1, 2], compile: ([k, re]) => compileQueryRegexp(k as string, re) }],
  ['ClientIP', { arity: [1], compile: (specs) => compileClientIp(specs) }],
]);

/** Checks argument count and emptiness before a matcher compiles; message wording follows Traefik. */
export function checkArguments(name: string, spec: MatcherSpec, args: readonly string[]): string | null {
  if (args.length === 0) return `no args for matcher ${name}`;
  if (args.some((a) => a === '')) return `empty args for matcher ${name}`;
  if (spec.arity !== 'many' && !spec.arity.includes(args.length)) {
    const expected = spec.arity.join(' or ');
    const plural = spec.arity.length === 1 && spec.arity[0] === 1 ? 'argument' : 'arguments';
    return `unexpected number of parameters for matcher ${name}; got ${args.length}, expected ${expected} ${plural}`;
  }
  return null;
}
