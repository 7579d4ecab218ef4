import { parseRule, type RuleNode } from '../../../proxy/rules/parser.js';
import { createNameResolver } from '../../../proxy/rules/matcher-names.js';
import { compileGoRegexp } from '../../../proxy/rules/go-regexp.js';

/** A compiled providers.docker.constraints expression: true keeps the container. */
export type ContainerConstraint = (labels: Readonly<Record<string, string>>) => boolean;

const NAMES = createNameResolver(['Label', 'LabelRegex']);

/**
 * Traefik's constraints language over container labels: ``Label(`k`, `v`)`` (exact),
 * ``LabelRegex(`k`, `re`)`` (unanchored), with `&&`, `||`, `!` and parentheses, parsed with the rule
 * parser and compiled once. Empty means every container. Throws with the column on a syntax error.
 */
export function compileConstraints(expression: string): ContainerConstraint {
  if (expression.trim() === '') return () => true;
  return compileNode(parseRule(expression, NAMES));
}

function compileNode(node: RuleNode): ContainerConstraint {
  switch (node.kind) {
    case 'and': { const l = compileNode(node.left); const r = compileNode(node.right); return (labels) => l(labels) && r(labels); }
    case 'or': { const l = compileNode(node.left); const r = compileNode(node.right); return (labels) => l(labels) || r(labels); }
    case 'not': { const inner = compileNode(node.operand); return (labels) => !inner(labels); }
    case 'matcher': {
      const [key, value] = node.args;
      if (node.args.length !== 2 || key === undefined || value === undefined) {
        throw new Error(`constraints column ${node.column}: ${node.name} takes 2 arguments (label name and value), got ${node.args.length}`);
      }
      if (node.name === 'Label') return (labels) => labels[key] === value;
      const re = compileGoRegexp(value, node.name);
      return (labels) => labels[key] !== undefined && re.test(labels[key] as string);
    }
  }
}
