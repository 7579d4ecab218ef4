import type { RequestContext } from '../http/request-context.js';
import { compileGoRegexp } from './go-regexp.js';
import { MatcherArgumentError, type CompiledMatcher } from './matcher-types.js';

/**
 * Host family. ctx.host is already canonical (lower-case, no port, one trailing dot removed), so an
 * exact Host is one string comparison against the argument canonicalised the same way.
 */

/** Lower-case and drop one trailing dot, as the request side was. */
export function canonicalHostArg(arg: string): string {
  const lower = arg.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function assertAscii(matcher: string, arg: string): void {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(arg)) {
    throw new MatcherArgumentError(`${matcher}: non-ASCII characters are not allowed in ${JSON.stringify(arg)}; use punycode`);
  }
}

/** v3 Host(`h`), plus the v3.7 forms `*.example.com` (exactly one label) and `*` (any host). */
export function compileHost(arg: string): CompiledMatcher {
  assertAscii('Host', arg);
  const host = canonicalHostArg(arg);
  // Traefik never matches an empty request host, so Host(`.`) matches nothing.
  if (host === '') return { predicate: () => false, exactHosts: [] };
  if (host === '*') return { predicate: (ctx) => ctx.host !== '' };
  if (host.startsWith('*.')) {
    const suffix = host.slice(1);
    if (suffix.length < 2 || suffix.includes('*')) {
      throw new MatcherArgumentError(`Host: invalid wildcard ${JSON.stringify(arg)}; only a leading "*." label is allowed`);
    }
    const labelEnd = -suffix.length;
    return {
      predicate: (ctx) => {
        const h = ctx.host;
        // One non-empty label before the suffix: the first dot is where the suffix starts.
        return h.length > suffix.length && h.endsWith(suffix) && h.indexOf('.') === h.length + labelEnd;
      },
    };
  }
  if (host.includes('*')) {
    throw new MatcherArgumentError(`Host: invalid wildcard ${JSON.stringify(arg)}; only a leading "*." label is allowed`);
  }
  return { predicate: (ctx) => ctx.host === host, exactHosts: [host] };
}

export function compileHostRegexp(arg: string): CompiledMatcher {
  assertAscii('HostRegexp', arg);
  const re = compileGoRegexp(arg, 'HostRegexp');
  return { predicate: (ctx: RequestContext) => re.test(ctx.host) };
}
