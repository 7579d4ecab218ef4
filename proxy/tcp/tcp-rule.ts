import { matcherArguments } from '../rules/compile.js';
import { createNameResolver } from '../rules/matcher-names.js';
import { MatcherArgumentError } from '../rules/matcher-types.js';
import { parseRule, type MatcherNode, type RuleNode } from '../rules/parser.js';
import { RuleSyntaxError } from '../rules/rule-syntax-error.js';
import type { ConnPredicate } from './conn-data.js';
import { TCP_MATCHERS_V2, TCP_MATCHERS_V3, type TcpMatcherSpec } from './tcp-matchers.js';

/**
 * TCP router rules (Traefik's pkg/muxer/tcp): HostSNI, HostSNIRegexp, ClientIP and ALPN joined by `&&`, `||`, `!` and
 * parentheses. The grammar is the HTTP rules' (proxy/rules/parser.ts); only the matchers differ.
 */
export interface CompiledTcpRule {
  readonly match: ConnPredicate;
  /** Exactly `HostSNI(`*`)`: Traefik's catch-all, which every more specific router of the other kind beats. */
  readonly catchAll: boolean;
}

const NAMES = createNameResolver([...TCP_MATCHERS_V3.keys()]);
const TABLES = { v3: TCP_MATCHERS_V3, v2: TCP_MATCHERS_V2 } as const;

/** Parses and compiles once; throws RuleSyntaxError (with the column) for anything Traefik refuses. */
export function compileTcpRule(rule: string, syntax: 'v3' | 'v2' = 'v3'): CompiledTcpRule {
  const ast = parseRule(rule, NAMES);
  return { match: compileNode(ast, TABLES[syntax]), catchAll: isCatchAll(ast) };
}

function compileNode(node: RuleNode, table: ReadonlyMap<string, TcpMatcherSpec>): ConnPredicate {
  switch (node.kind) {
    case 'matcher':
      return compileMatcher(node, table);
    case 'not': {
      const operand = compileNode(node.operand, table);
      return (meta) => !operand(meta);
    }
    case 'and': {
      const left = compileNode(node.left, table);
      const right = compileNode(node.right, table);
      return (meta) => left(meta) && right(meta);
    }
    case 'or': {
      const left = compileNode(node.left, table);
      const right = compileNode(node.right, table);
      return (meta) => left(meta) || right(meta);
    }
  }
}

function compileMatcher(node: MatcherNode, table: ReadonlyMap<string, TcpMatcherSpec>): ConnPredicate {
  const spec = table.get(node.name) as TcpMatcherSpec;
  // Traefik's CheckRule, then expect1Parameter for v3.
  if (node.args.length === 0) throw new RuleSyntaxError(node.column, `no args for matcher ${node.name}`);
  if (node.args.some((a) => a === '')) throw new RuleSyntaxError(node.column, `empty args for matcher ${node.name}, [${node.args.join(' ')}]`);
  if (spec.single && node.args.length !== 1) {
    throw new RuleSyntaxError(node.column, `unexpected number of parameters for matcher ${node.name}; got ${node.args.length}, expected 1`);
  }
  try {
    return spec.compile(node.args);
  } catch (err) {
    if (err instanceof MatcherArgumentError) throw new RuleSyntaxError(node.column, err.message);
    throw err;
  }
}

/** Traefik looks at the tree's root leaf only (a `!` on it is a flag of that leaf, so `!HostSNI(`*`)` counts too). */
function isCatchAll(ast: RuleNode): boolean {
  let node = ast;
  while (node.kind === 'not') node = node.operand;
  return node.kind === 'matcher' && node.name === 'HostSNI' && node.args.length === 1 && node.args[0] === '*';
}

/** Traefik's GetRulePriority: the rule's length in bytes, except -1 for the catch-all, so it is tried last. */
export function tcpRulePriority(rule: string, priority: number | undefined): number {
  if (priority !== undefined && priority !== 0) return priority;
  try {
    if (isCatchAll(parseRule(rule, NAMES))) return -1;
  } catch {
    // An unparsable rule is reported when it is compiled.
  }
  return Buffer.byteLength(rule, 'utf8');
}

/** Traefik's ParseHostSNI: every HostSNI argument in rule order, lower-cased, whatever surrounds it. */
export function hostSnisOfRule(rule: string): string[] {
  return matcherArguments(parseRule(rule, NAMES), 'HostSNI');
}
