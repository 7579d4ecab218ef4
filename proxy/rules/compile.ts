import type { RequestContext } from '../http/request-context.js';
import { createNameResolver, type NameResolver } from './matcher-names.js';
import { checkArguments, MatcherArgumentError, V3_MATCHERS, type MatcherSpec, type Predicate } from './matchers.js';
import { V2_MATCHERS } from './matchers-v2.js';
import { parseRule, type MatcherNode, type RuleNode } from './parser.js';
import { RuleSyntaxError } from './rule-syntax-error.js';

export { RuleSyntaxError } from './rule-syntax-error.js';

export type RuleSyntax = 'v3' | 'v2';

export interface CompiledRule {
  match(ctx: RequestContext): boolean;
  /**
   * The exact canonical hosts this rule can ONLY match, or null when a request for some other host
   * could match too (PathPrefix, !Host, HostRegexp, wildcard Host, `Host(a) || Path(b)`).
   */
  hosts: string[] | null;
}

const V3_NAMES = [...V3_MATCHERS.keys()];
const V2_NAMES = [...V2_MATCHERS.keys()];
const RESOLVERS: Record<RuleSyntax, NameResolver> = {
  v3: createNameResolver(V3_NAMES, {
    label: 'v2',
    replacements: new Map([['HostHeader', 'Host'], ['Headers', 'Header'], ['HeadersRegexp', 'HeaderRegexp']]),
  }),
  v2: createNameResolver(V2_NAMES, {
    label: 'v3',
    replacements: new Map([['Header', 'Headers'], ['HeaderRegexp', 'HeadersRegexp'], ['PathRegexp', 'Path'], ['QueryRegexp', 'Query']]),
  }),
};
const TABLES: Record<RuleSyntax, ReadonlyMap<string, MatcherSpec>> = { v3: V3_MATCHERS, v2: V2_MATCHERS };
/** Traefik's ParseDomains accepts the union of both syntaxes' names. */
const ANY_SYNTAX = createNameResolver([...new Set([...V3_NAMES, ...V2_NAMES])]);

/** Negations pushed down to the leaves (De Morgan), so host extraction sees through `!(...)`. */
type Nnf =
  | { readonly kind: 'leaf'; readonly node: MatcherNode; readonly negated: boolean }
  | { readonly kind: 'and' | 'or'; readonly left: Nnf; readonly right: Nnf };

function toNnf(node: RuleNode, negated: boolean): Nnf {
  switch (node.kind) {
    case 'matcher':
      return { kind: 'leaf', node, negated };
    case 'not':
      return toNnf(node.operand, !negated);
    case 'and':
    case 'or': {
      const kind = negated ? (node.kind === 'and' ? 'or' : 'and') : node.kind;
      return { kind, left: toNnf(node.left, negated), right: toNnf(node.right, negated) };
    }
  }
}

interface Compiled {
  readonly predicate: Predicate;
  readonly hosts: readonly string[] | null;
}

function compileLeaf(node: MatcherNode, negated: boolean, table: ReadonlyMap<string, MatcherSpec>): Compiled {
  const spec = table.get(node.name);
  if (spec === undefined) throw new RuleSyntaxError(node.column, `unknown matcher ${node.name}`);
  const argError = checkArguments(node.name, spec, node.args);
  if (argError !== null) throw new RuleSyntaxError(node.column, argError);
  let compiled;
  try {
    compiled = spec.compile(node.args);
  } catch (err) {
    if (err instanceof MatcherArgumentError) throw new RuleSyntaxError(node.column, err.message);
    throw err;
  }
  const p = compiled.predicate;
  if (negated) return { predicate: (ctx) => !p(ctx), hosts: null };
  return { predicate: p, hosts: compiled.exactHosts ?? null };
}

function compileNnf(node: Nnf, table: ReadonlyMap<string, MatcherSpec>): Compiled {
  if (node.kind === 'leaf') return compileLeaf(node.node, node.negated, table);
  const left = compileNnf(node.left, table);
  const right = compileNnf(node.right, table);
  const a = left.predicate;
  const b = right.predicate;
  if (node.kind === 'and') {
    // Either side pins the host; both pin it to the intersection.
    let hosts = left.hosts ?? right.hosts;
    if (left.hosts !== null && right.hosts !== null) {
      const other = new Set(right.hosts);
      hosts = left.hosts.filter((h) => other.has(h));
    }
    return { predicate: (ctx) => a(ctx) && b(ctx), hosts };
  }
  const hosts = left.hosts !== null && right.hosts !== null ? [...new Set([...left.hosts, ...right.hosts])] : null;
  return { predicate: (ctx) => a(ctx) || b(ctx), hosts };
}

/** Parses and compiles a rule once; the returned predicate does no parsing or regexp compilation. */
export function compileRule(rule: string, syntax: RuleSyntax = 'v3'): CompiledRule {
  const ast = parseRule(rule, RESOLVERS[syntax]);
  const { predicate, hosts } = compileNnf(toNnf(ast, false), TABLES[syntax]);
  return { match: predicate, hosts: hosts === null ? null : [...hosts] };
}

/**
 * Traefik's ParseDomains (ACME, TLS options): every Host argument, lower-cased, in rule order,
 * whatever `!` or `||` surrounds it. HostRegexp contributes nothing.
 */
export function domainsOfRule(rule: string): string[] {
  return matcherArguments(parseRule(rule, ANY_SYNTAX), 'Host');
}

/** Every argument of one matcher, lower-cased, in rule order, whatever `!` or `||` surrounds it (Traefik's Tree.ParseMatchers). */
export function matcherArguments(ast: RuleNode, matcher: string): string[] {
  const out: string[] = [];
  const walk = (node: RuleNode): void => {
    if (node.kind === 'matcher') {
      if (node.name === matcher) for (const arg of node.args) out.push(arg.toLowerCase());
    } else if (node.kind === 'not') {
      walk(node.operand);
    } else {
      walk(node.left);
      walk(node.right);
    }
  };
  walk(ast);
  return out;
}
