import { RE2JS } from 're2js';
import { backtrackingSafeRegExp } from './go-regexp-fast-path.js';
import { renameDuplicateGroups } from './go-regexp-names.js';
import { MatcherArgumentError } from './matcher-types.js';

/**
 * A regexp from the configuration (rules, middlewares, constraints), with Go's syntax and Go's guarantee: matching
 * takes time linear in the input. Traefik compiles these with Go's regexp (RE2), where no pattern can make a
 * request slow; V8's backtracking engine can take exponential time (`^(a+)+$` on thirty `a`s and a `!` holds the
 * event loop for seconds, a few more for hours), so a client could stop pe-edge with one request to a route whose
 * author wrote such a pattern. Patterns run on re2js, a port of RE2 (Go's syntax and semantics), except the ones
 * V8 provably runs in linear time and reads as Go does (go-regexp-fast-path.ts): most routing patterns, at about a
 * fifteenth of re2js's cost.
 */
export interface GoRegexp {
  /** The pattern as configured. */
  readonly source: string;
  /** Go's MatchString: whether the pattern matches anywhere in `input`. */
  test(input: string): boolean;
  /** Go's FindString: the leftmost match's text, or null when there is none. */
  firstMatch(input: string): string | null;
  /**
   * Go's FindStringSubmatchIndex from `from` on (the text before it still seen by `^` and `\b`): each group's start
   * and end (the whole match first, -1 for a group that took no part), or null when there is no match.
   */
  matchIndices(input: string, from: number): number[] | null;
  /** Go's SubexpNames: each group's name by its number, '' for the whole match and unnamed groups. */
  readonly groupNames: readonly string[];
}

export function compileGoRegexp(source: string, matcher: string): GoRegexp {
  let compiled: Compiled;
  try {
    compiled = compileWithNames(source);
  } catch (err) {
    throw new MatcherArgumentError(`${matcher}: invalid regexp ${JSON.stringify(source)}: ${(err as Error).message}`, { cause: err });
  }
  const fast = backtrackingSafeRegExp(source);
  // A compiled re2js program holds about 20 KiB: a pattern V8 runs keeps none until a group's position is asked.
  return new LinearRegexp(source, compiled.names, fast, fast === null ? compiled.re2 : null, compiled.re2Source);
}

interface Compiled {
  readonly re2: RE2JS;
  /** What re2js was given: the pattern, its shared group names made unique (go-regexp-names.ts). */
  readonly re2Source: string;
  /** Each group's name by its number, as Go's SubexpNames gives them. */
  readonly names: readonly string[];
}

/** `source` for re2js, which refuses a name two groups share where Go allows it: those are renamed first. */
function compileWithNames(source: string): Compiled {
  const renamed = renameDuplicateGroups(source);
  const named = renamed.names.filter((name) => name !== '');
  if (new Set(named).size !== named.length) {
    const re2 = compileRe2(renamed.pattern);
    // Renamed, the groups must be the same ones: else the scan misread the pattern, and re2js reads it as it is.
    if (renamed.names.length === re2.groupCount() + 1) return { re2, re2Source: renamed.pattern, names: renamed.names };
  }
  const re2 = compileRe2(source);
  const names: string[] = new Array<string>(re2.groupCount() + 1).fill('');
  for (const [name, index] of Object.entries(re2.namedGroups())) names[index] = name;
  return { re2, re2Source: source, names };
}

// What re2js's DFA may hold per pattern. Its default, 8 MiB, fills on inputs that keep finding new states (a
// reviewer's `(?i)bot.{0,40}crawl` against an 8 kB header of `bot` and `x`: 6.6 MiB held by the pattern, 60 ms a
// match, the cache cleared again and again); with less, re2js gives up on the DFA sooner and runs its NFA, as RE2
// does: 350 KiB and 8 ms there, and the usual routing pattern needs a few KiB.
const DFA_BUDGET_BYTES = 256 * 1024;

function compileRe2(pattern: string): RE2JS {
  const re2 = RE2JS.compile(pattern);
  const dfa = re2.re2Input.dfa;
  dfa.maxMem = DFA_BUDGET_BYTES;
  dfa.stateBudget = DFA_BUDGET_BYTES;
  dfa.memBudget = DFA_BUDGET_BYTES;
  return re2;
}


class LinearRegexp implements GoRegexp {
  constructor(
    readonly source: string,
    readonly groupNames: readonly string[],
    /** The same pattern for V8, when it runs in linear time there and matches what Go matches; else null. */
    private readonly fast: RegExp | null,
    /** re2js's program, compiled when first needed where `fast` answers tests. */
    private re2: RE2JS | null,
    /** What re2js is given: the pattern, its shared group names made unique (go-regexp-names.ts). */
    private readonly re2Source: string,
  ) {}

  test(input: string): boolean {
    return this.fast !== null ? this.fast.test(input) : this.program().test(input);
  }

  firstMatch(input: string): string | null {
    // Go's leftmost-first match is what backtracking finds first, on the patterns V8 runs as Go reads them.
    if (this.fast !== null) return this.fast.exec(input)?.[0] ?? null;
    // re2js's test runs its DFA, far cheaper than a match with positions on most texts that have none.
    if (!this.program().test(input)) return null;
    const m = this.program().matcher(input);
    return m.find() ? input.slice(m.start(0), m.end(0)) : null;
  }

  matchIndices(input: string, from: number): number[] | null {
    const m = this.program().matcher(input);
    if (!m.find(from)) return null;
    const indices: number[] = [];
    for (let group = 0; group < this.groupNames.length; group++) indices.push(m.start(group), m.end(group));
    return indices;
  }

  private program(): RE2JS {
    return (this.re2 ??= compileRe2(this.re2Source));
  }
}
