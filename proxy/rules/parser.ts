import { tokenize, type Token, type TokenKind } from './lexer.js';
import type { NameResolver } from './matcher-names.js';
import { RuleSyntaxError } from './rule-syntax-error.js';

/** Tokens -> AST with Go precedence: `!` binds tighter than `&&`, which binds tighter than `||`. */

export interface MatcherNode {
  readonly kind: 'matcher';
  /** Canonical matcher name (`PathPrefix` even when written `pathprefix`). */
  readonly name: string;
  readonly args: readonly string[];
  /** Column of the matcher name, for argument errors. */
  readonly column: number;
}

export type RuleNode =
  | MatcherNode
  | { readonly kind: 'and' | 'or'; readonly left: RuleNode; readonly right: RuleNode }
  | { readonly kind: 'not'; readonly operand: RuleNode };

export function parseRule(rule: string, names: NameResolver): RuleNode {
  const parser = new Parser(tokenize(rule), names);
  if (parser.peek().kind === 'eof') throw new RuleSyntaxError(1, 'empty rule');
  const node = parser.parseOr();
  const rest = parser.peek();
  if (rest.kind !== 'eof') {
    const what = rest.kind === ')' ? "unmatched ')'" : "expected '&&' or '||' between matchers";
    throw new RuleSyntaxError(rest.column, what);
  }
  return node;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly names: NameResolver,
  ) {}

  peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private accept(kind: TokenKind): boolean {
    if (this.peek().kind !== kind) return false;
    this.pos++;
    return true;
  }

  parseOr(): RuleNode {
    let left = this.parseAnd();
    while (this.accept('||')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): RuleNode {
    let left = this.parseUnary();
    while (this.accept('&&')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): RuleNode {
    if (this.accept('!')) return { kind: 'not', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): RuleNode {
    const t = this.next();
    if (t.kind === '(') {
      const inner = this.parseOr();
      const close = this.peek();
      if (!this.accept(')')) {
        throw new RuleSyntaxError(close.column, `expected ')' to close '(' opened at column ${t.column}`);
      }
      return inner;
    }
    if (t.kind === 'ident') return this.parseMatcher(t);
    if (t.kind === 'eof') throw new RuleSyntaxError(t.column, 'unexpected end of rule; expected a matcher');
    if (t.kind === 'string') {
      throw new RuleSyntaxError(t.column, 'expected a matcher such as Host(`example.com`), got a bare string');
    }
    throw new RuleSyntaxError(t.column, `expected a matcher such as Host(\`example.com\`), got '${t.value}'`);
  }

  private parseMatcher(ident: Token): MatcherNode {
    const name = this.names.resolve(ident.value);
    if (name === undefined) throw new RuleSyntaxError(ident.column, this.names.explainUnknown(ident.value));
    const open = this.peek();
    if (!this.accept('(')) throw new RuleSyntaxError(open.column, `expected '(' after matcher name ${name}`);
    const args: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === ')') break;
      if (t.kind !== 'string') {
        const got = t.kind === 'ident' || t.kind === 'word' ? `, got ${t.value}; wrap values in backticks` : '';
        throw new RuleSyntaxError(t.column, `expected a string argument for ${name}${got}`);
      }
      this.next();
      args.push(t.value);
      // Go allows a trailing comma before ')'.
      if (!this.accept(',')) {
        const after = this.peek();
        if (after.kind !== ')') throw new RuleSyntaxError(after.column, `expected ')' after ${name} argument`);
      }
    }
    this.next();
    return { kind: 'matcher', name, args, column: ident.column };
  }
}
