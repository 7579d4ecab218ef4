// The circuitBreaker expression language (oxy cbreaker on vulcand/predicate), compiled once per router.
// Traefik's type rules hold: a ratio compares with a float literal, a latency with an int literal,
// the function on the left; ResponseCodeRatio takes ints, LatencyAtQuantileMS a float.

/** What an expression reads: the breaker's rolling metrics. */
export interface BreakerMetrics {
  networkErrorRatio(): number;
  responseCodeRatio(from: number, to: number, dividedByFrom: number, dividedByTo: number): number;
  latencyAtQuantileMs(quantile: number): number;
}

export type BreakerPredicate = (m: BreakerMetrics) => boolean;

type Literal = { kind: 'int' | 'float'; value: number };
type Metric = { kind: 'metric'; type: 'int' | 'float'; name: string; read: (m: BreakerMetrics) => number };
type Predicate = { kind: 'predicate'; test: BreakerPredicate };
type Value = Literal | Metric | Predicate;

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '>': (a, b) => a > b, '>=': (a, b) => a >= b, '<': (a, b) => a < b,
  '<=': (a, b) => a <= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b,
};

const TOKEN = /\s*(?:(\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)|(\d+)|([A-Za-z_]\w*)|(&&|\|\||>=|<=|==|!=|[><(),]))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (text.slice(TOKEN.lastIndex).trim() === '') break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null) throw new Error(`unexpected "${text.slice(at).trim().slice(0, 10)}" at column ${at + 1}`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  }
  return tokens;
}

const FLOAT_LITERAL = /^(\d+\.\d*|\.\d+|\d+[eE])/;

class Parser {
  private i = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): BreakerPredicate {
    const value = this.or();
    if (this.i < this.tokens.length) throw new Error(`unexpected "${this.tokens[this.i]}" after a complete expression`);
    return asPredicate(value, 'the expression').test;
  }

  private peek(): string | undefined { return this.tokens[this.i]; }

  private expect(token: string): void {
    if (this.tokens[this.i] !== token) throw new Error(`expected "${token}", got ${this.tokens[this.i] === undefined ? 'the end' : `"${this.tokens[this.i]}"`}`);
    this.i++;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek() === '||') {
      this.i++;
      const a = asPredicate(left, '||').test;
      const b = asPredicate(this.and(), '||').test;
      left = { kind: 'predicate', test: (m) => a(m) || b(m) };
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.peek() === '&&') {
      this.i++;
      const a = asPredicate(left, '&&').test;
      const b = asPredicate(this.comparison(), '&&').test;
      left = { kind: 'predicate', test: (m) => a(m) && b(m) };
    }
    return left;
  }

  private comparison(): Value {
    const left = this.primary();
    const op = this.peek();
    if (op === undefined || COMPARE[op] === undefined) return left;
    this.i++;
    const right = this.primary();
    if (left.kind !== 'metric') throw new Error(`"${op}" needs a function on its left, such as NetworkErrorRatio()`);
    if (right.kind !== left.type) {
      const example = left.type === 'float' ? '0.5' : '50';
      throw new Error(`${left.name}() returns ${left.type === 'float' ? 'a float' : 'an int'}: compare it with ${left.type === 'float' ? 'a float' : 'an int'} literal such as ${example}`);
    }
    const compare = COMPARE[op] as (a: number, b: number) => boolean;
    const read = left.read;
    const limit = right.value;
    return { kind: 'predicate', test: (m) => compare(read(m), limit) };
  }

  private primary(): Value {
    const token = this.peek();
    if (token === undefined) throw new Error('unexpected end of expression');
    this.i++;
    if (token === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (/^[\d.]/.test(token)) return { kind: FLOAT_LITERAL.test(token) ? 'float' : 'int', value: Number(token) };
    if (/^[A-Za-z_]/.test(token)) return this.call(token);
    throw new Error(`unexpected "${token}"`);
  }

  private call(name: string): Metric {
    this.expect('(');
    const args: Literal[] = [];
    while (this.peek() !== ')') {
      if (args.length > 0) this.expect(',');
      const arg = this.primary();
      if (arg.kind !== 'int' && arg.kind !== 'float') throw new Error(`${name}() takes literal numbers as arguments`);
      args.push(arg);
    }
    this.expect(')');
    const want = (kinds: Literal['kind'][]): number[] => {
      if (args.length !== kinds.length || args.some((a, k) => a.kind !== kinds[k])) {
        throw new Error(`${name}() takes ${kinds.length === 0 ? 'no arguments' : kinds.length === 1 ? `one ${kinds[0]} literal, such as 50.0` : `${kinds.length} int literals, such as 500, 600, 0, 600`}`);
      }
      return args.map((a) => a.value);
    };
    switch (name) {
      case 'NetworkErrorRatio':
        want([]);
        return { kind: 'metric', type: 'float', name, read: (m) => m.networkErrorRatio() };
      case 'ResponseCodeRatio': {
        const [a, b, c, d] = want(['int', 'int', 'int', 'int']) as [number, number, number, number];
        return { kind: 'metric', type: 'float', name, read: (m) => m.responseCodeRatio(a, b, c, d) };
      }
      case 'LatencyAtQuantileMS': {
        const [q] = want(['float']) as [number];
        return { kind: 'metric', type: 'int', name, read: (m) => m.latencyAtQuantileMs(q) };
      }
      default:
        throw new Error(`unknown function "${name}"; use NetworkErrorRatio(), ResponseCodeRatio(from, to, dividedByFrom, dividedByTo) or LatencyAtQuantileMS(quantile)`);
    }
  }
}

function asPredicate(value: Value, where: string): Predicate {
  if (value.kind === 'predicate') return value;
  const what = value.kind === 'metric' ? `${value.name}()` : String(value.value);
  throw new Error(`${where} needs a comparison, got ${what} alone (e.g. NetworkErrorRatio() > 0.5)`);
}

/** Compiles an expression; throws `circuitBreaker.expression "...": <what is wrong>`. */
export function compileBreakerExpression(text: string): BreakerPredicate {
  try {
    return new Parser(tokenize(text)).parse();
  } catch (err) {
    throw new Error(`circuitBreaker.expression "${text}": ${(err as Error).message}`);
  }
}
