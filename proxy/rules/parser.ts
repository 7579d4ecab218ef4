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

// Each level of parentheses or `!` is a frame of every recursive walk of the tree (the parser's, compile's, each
// request's predicate); past a few thousand V8's stack ran out, and the router was refused with "Maximum call stack
// size exceeded". Go's parser, Traefik's, allows 100,000; no hand-written rule comes near 1,000.
const MAX_NESTING = 1000;

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
  /** Parentheses and `!` open around the token being read. */
  private depth = 0;

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

  /** One more level of parentheses or `!`, refused past MAX_NESTING with the column of the one too many. */
  private enter(opening: Token): void {
    if (++this.depth > MAX_NESTING) {
      throw new RuleSyntaxError(opening.column, `nested more than ${MAX_NESTING} levels deep (parentheses and '!')`);
    }
  }

  parseOr(): RuleNode {
    const operands = [this.parseAnd()];
    while (this.accept('||')) operands.push(this.parseAnd());
    return balanced('or', operands, 0, operands.length);
  }

  private parseAnd(): RuleNode {
    const operands = [this.parseUnary()];
    while (this.accept('&&')) operands.push(this.parseUnary());
    return balanced('and', operands, 0, operands.length);
  }

  private parseUnary(): RuleNode {
    const bang = this.peek();
    if (!this.accept('!')) return this.parsePrimary();
    this.enter(bang);
    const operand = this.parseUnary();
    this.depth--;
    return { kind: 'not', operand };
  }

  private parsePrimary(): RuleNode {
    const t = this.next();
    if (t.kind === '(') {
      this.enter(t);
      const inner = this.parseOr();
      const close = this.peek();
      if (!this.accept(')')) {
        throw new RuleSyntaxError(close.column, `expected ')' to close '(' opened at column ${t.column}`);
      }
      this.depth--;
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

/**
 * `operands[from..to)` joined by `kind` as a balanced tree: the same matches in the same order (and and or are
 * associative, and an in-order walk meets the operands as written), a depth of log2 of their count. A chain
 * nested one more level per operand, as written, took a frame per operand in every walk: a rule of 8,000 Host
 * matchers (a generated allow-list) ran out of stack.
 */
function balanced(kind: 'and' | 'or', operands: readonly RuleNode[], from: number, to: number): RuleNode {
  if (to - from === 1) return operands[from] as RuleNode;
  const middle = (from + to) >>> 1;
  return { kind, left: balanced(kind, operands, from, middle), right: balanced(kind, operands, middle, to) };
}
