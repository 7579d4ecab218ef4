import { RuleSyntaxError } from './rule-syntax-error.js';

/** Rule text -> tokens. Strings follow Go literal rules because Traefik parses rules as Go expressions. */

/** 'word' is any other run of characters (`a.test`, `42`): the parser says what was expected instead. */
export type TokenKind = 'ident' | 'word' | 'string' | '(' | ')' | ',' | '&&' | '||' | '!' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier name or the decoded string value; the symbol itself otherwise. */
  readonly value: string;
  /** 1-based column of the token's first character. */
  readonly column: number;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WORD_END = new Set([' ', '\t', '\n', '\r', '(', ')', ',', '&', '|', '!', '`', '"', "'"]);

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

export function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i] as string;
    const column = i + 1;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, value: c, column });
      i++;
    } else if (c === '&' || c === '|') {
      if (rule[i + 1] !== c) {
        throw new RuleSyntaxError(column, `unexpected '${c}'; did you mean '${c}${c}'?`);
      }
      tokens.push({ kind: c === '&' ? '&&' : '||', value: c + c, column });
      i += 2;
    } else if (c === '!') {
      tokens.push({ kind: '!', value: '!', column });
      i++;
    } else if (c === '`') {
      const end = rule.indexOf('`', i + 1);
      if (end < 0) throw new RuleSyntaxError(column, 'unterminated backtick string');
      // Go drops carriage returns from raw string literals.
      tokens.push({ kind: 'string', value: rule.slice(i + 1, end).replace(/\r/g, ''), column });
      i = end + 1;
    } else if (c === '"') {
      const { value, next } = readQuoted(rule, i);
      tokens.push({ kind: 'string', value, column });
      i = next;
    } else if (c === "'") {
      throw new RuleSyntaxError(column, 'single-quoted strings are not allowed; use backticks');
    } else {
      let j = i + 1;
      while (j < rule.length && !WORD_END.has(rule[j] as string)) j++;
      const word = rule.slice(i, j);
      tokens.push({ kind: IDENT.test(word) ? 'ident' : 'word', value: word, column });
      i = j;
    }
  }
  tokens.push({ kind: 'eof', value: '', column: rule.length + 1 });
  return tokens;
}

/** Reads a Go interpreted string literal starting at the opening quote. */
function readQuoted(rule: string, start: number): { value: string; next: number } {
  let out = '';
  // \x and octal escapes are bytes in Go; collect them and decode runs as UTF-8.
  let bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length > 0) {
      out += Buffer.from(bytes).toString('utf8');
      bytes = [];
    }
  };
  let i = start + 1;
  while (i < rule.length) {
    const c = rule[i] as string;
    if (c === '"') {
      flushBytes();
      return { value: out, next: i + 1 };
    }
    if (c === '\n') break;
    if (c !== '\\') {
      flushBytes();
      out += c;
      i++;
      continue;
    }
    const e = rule[i + 1];
    const escColumn = i + 1;
    if (e === undefined) break;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      flushBytes();
      out += simple;
      i += 2;
    } else if (e === 'x') {
      bytes.push(readHex(rule, i + 2, 2, escColumn));
      i += 4;
    } else if (e >= '0' && e <= '7') {
      const digits = rule.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new RuleSyntaxError(escColumn, 'octal escape needs exactly 3 digits');
      const n = parseInt(digits, 8);
      if (n > 255) throw new RuleSyntaxError(escColumn, 'octal escape value > 255');
      bytes.push(n);
      i += 4;
    } else if (e === 'u' || e === 'U') {
      flushBytes();
      const len = e === 'u' ? 4 : 8;
      const cp = readHex(rule, i + 2, len, escColumn);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw new RuleSyntaxError(escColumn, 'escape sequence is invalid Unicode code point');
      }
      out += String.fromCodePoint(cp);
      i += 2 + len;
    } else {
      throw new RuleSyntaxError(escColumn, `unknown escape sequence \\${e}`);
    }
  }
  throw new RuleSyntaxError(start + 1, 'unterminated double-quoted string');
}

function readHex(rule: string, from: number, len: number, column: number): number {
  const digits = rule.slice(from, from + len);
  if (digits.length !== len || ![...digits].every(isHex)) {
    throw new RuleSyntaxError(column, `escape sequence needs ${len} hex digits`);
  }
  return parseInt(digits, 16);
}
