import { compileClientIp } from './match-client-ip.js';
import { anyLineAfterEntryPoint } from './match-header.js';
import { canonicalHostArg } from './match-host.js';
import { compileGoRegexp } from './go-regexp.js';
import { compileTemplate } from './gorilla-template.js';
import { firstQueryValue } from './match-query.js';
import { MatcherArgumentError, type CompiledMatcher, type MatcherSpec, type Predicate } from './matcher-types.js';

/**
 * The v2 matcher table (`ruleSyntax: v2`): several arguments mean OR (Host, Method, Path, ...),
 * Path/PathPrefix/HostRegexp take gorilla templates, Headers/HeadersRegexp/Query take pairs (AND).
 */

function anyOf(predicates: readonly Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0] as Predicate;
  return (ctx) => {
    for (const p of predicates) if (p(ctx)) return true;
    return false;
  };
}

function allOf(predicates: readonly Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0] as Predicate;
  return (ctx) => {
    for (const p of predicates) if (!p(ctx)) return false;
    return true;
  };
}

function compileHosts(args: readonly string[]): CompiledMatcher {
  // eslint-disable-next-line no-control-regex
  const bad = args.find((a) => !/^[\x00-\x7f]*$/.test(a));
  if (bad !== undefined) throw new MatcherArgumentError(`Host: non-ASCII characters are not allowed in ${JSON.stringify(bad)}; use punycode`);
  const hosts = [...new Set(args.map(canonicalHostArg))].filter((h) => h !== '');
  if (hosts.length === 1) {
    const host = hosts[0] as string;
    return { predicate: (ctx) => ctx.host === host, exactHosts: hosts };
  }
  const set = new Set(hosts);
  return { predicate: (ctx) => set.has(ctx.host), exactHosts: hosts };
}

function compileHostTemplates(args: readonly string[]): CompiledMatcher {
  const res = args.map((a) =>
    compileTemplate(a, { defaultPattern: '[^.]+', prefix: false, caseInsensitive: true, matcher: 'HostRegexp' }),
  );
  return { predicate: anyOf(res.map((re) => (ctx) => re.test(ctx.host))) };
}

function compilePathTemplates(matcher: string, args: readonly string[], prefix: boolean): CompiledMatcher {
  const predicates = args.map((a): Predicate => {
    if (!a.startsWith('/')) throw new MatcherArgumentError(`${matcher}: path must start with a slash, got ${JSON.stringify(a)}`);
    // Literal templates need no regexp.
    if (!a.includes('{')) return prefix ? (ctx) => ctx.path.startsWith(a) : (ctx) => ctx.path === a;
    const re = compileTemplate(a, { defaultPattern: '[^/]+', prefix, caseInsensitive: false, matcher });
    return (ctx) => re.test(ctx.path);
  });
  return { predicate: anyOf(predicates) };
}

function compileMethods(args: readonly string[]): CompiledMatcher {
  const methods = new Set(args.map((m) => m.toUpperCase()));
  return { predicate: (ctx) => methods.has(ctx.method) };
}

function pairs(matcher: string, args: readonly string[]): [string, string][] {
  if (args.length % 2 !== 0) {
    throw new MatcherArgumentError(`${matcher}: number of parameters must be multiple of 2, got ${args.length}`);
  }
  const out: [string, string][] = [];
  for (let i = 0; i < args.length; i += 2) out.push([args[i] as string, args[i + 1] as string]);
  return out;
}

function compileHeaders(args: readonly string[]): CompiledMatcher {
  return {
    predicate: allOf(
      pairs('Headers', args).map(([k, v]): Predicate => {
        const key = k.toLowerCase();
        const test = (line: string): boolean => line === v;
        return anyLineAfterEntryPoint(key, test);
      }),
    ),
  };
}

function compileHeadersRegexp(args: readonly string[]): CompiledMatcher {
  return {
    predicate: allOf(
      pairs('HeadersRegexp', args).map(([k, pattern]): Predicate => {
        const key = k.toLowerCase();
        const re = compileGoRegexp(pattern, 'HeadersRegexp');
        const test = (line: string): boolean => re.test(line);
        return anyLineAfterEntryPoint(key, test);
      }),
    ),
  };
}

/** gorilla Queries: each `k=v` template is matched, anchored, against `k=` + the FIRST value of k. */
function compileQueries(args: readonly string[]): CompiledMatcher {
  const predicates = args.map((arg): Predicate => {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new MatcherArgumentError(`Query: expected key=value, got ${JSON.stringify(arg)}`);
    const key = arg.slice(0, eq);
    const template = eq === arg.length - 1 ? `${arg}{v:.*}` : arg;
    const re = compileTemplate(template, { defaultPattern: '.*', prefix: false, caseInsensitive: false, matcher: 'Query' });
    const keyEq = `${key}=`;
    return (ctx) => {
      const value = firstQueryValue(ctx.rawQuery, key);
      return value !== undefined && re.test(keyEq + value);
    };
  });
  return { predicate: allOf(predicates) };
}

export const V2_MATCHERS: ReadonlyMap<string, MatcherSpec> = new Map<string, MatcherSpec>([
  ['Host', { arity: 'many', compile: compileHosts }],
  ['HostHeader', { arity: 'many', compile: compileHosts }],
  ['HostRegexp', { arity: 'many', compile: compileHostTemplates }],
  ['Path', { arity: 'many', compile: (args) => compilePathTemplates('Path', args, false) }],
  ['PathPrefix', { arity: 'many', compile: (args) => compilePathTemplates('PathPrefix', args, true) }],
  ['Method', { arity: 'many', compile: compileMethods }],
  ['Headers', { arity: 'many', compile: compileHeaders }],
  ['HeadersRegexp', { arity: 'many', compile: compileHeadersRegexp }],
  ['Query', { arity: 'many', compile: compileQueries }],
  ['ClientIP', { arity: 'many', compile: compileClientIp }],
]);
