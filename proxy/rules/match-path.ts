import { compileGoRegexp } from './go-regexp.js';
import { MatcherArgumentError, type CompiledMatcher } from './matcher-types.js';

/** Path family, on ctx.path (Traefik v3.4's routing path: every %XX decoded but the reserved ones). */

function assertAbsolute(matcher: string, path: string): void {
  if (!path.startsWith('/')) throw new MatcherArgumentError(`${matcher}: path ${JSON.stringify(path)} does not start with a '/'`);
}

export function compilePath(arg: string): CompiledMatcher {
  assertAbsolute('Path', arg);
  return { predicate: (ctx) => ctx.path === arg };
}

/** A plain string prefix: `/api` matches `/apiv2` too, as in Traefik. */
export function compilePathPrefix(arg: string): CompiledMatcher {
  assertAbsolute('PathPrefix', arg);
  return { predicate: (ctx) => ctx.path.startsWith(arg) };
}

export function compilePathRegexp(arg: string): CompiledMatcher {
  const re = compileGoRegexp(arg, 'PathRegexp');
  return { predicate: (ctx) => re.test(ctx.path) };
}
