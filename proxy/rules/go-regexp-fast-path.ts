/**
 * Which configured Go patterns V8's own RegExp may run: those it runs in linear time, whatever the input, and that
 * match exactly what Go's regexp matches. Everything else runs on re2js (go-regexp.ts). The test is syntactic and
 * conservative; a pattern it is unsure of goes to re2js, which is always right, only slower.
 *
 * Linear time: backtracking is exponential or polynomial only when quantifiers can split the same text in many
 * ways. A pattern with no quantifier tries each start position once, each attempt bounded by the pattern's length.
 * A pattern with one quantifier, on a single character or class (or a `?` on a group), anchored at the text's
 * start (`^`, no top-level `|`, no `(?m)`), has one start position and at most one backtrack per character the
 * quantifier took. Alternatives multiply the ways through the pattern that backtracking tries at each start
 * position (eight groups of two overlapping ones are 256, each walked to its end): the ways times the pattern's
 * length is kept small, so V8's cost stays near what RE2 pays.
 *
 * Same meaning: ASCII literals, escaped punctuation, `\d \D \w \W \b \B` (ASCII in both engines), classes of those,
 * `.` (written `[^\n]` for V8, whose `.` also refuses `\r` and the Unicode line separators), groups, `|`, `^` at the
 * start and `$` at the end (Go's `$` without `(?m)` is the end of the text, as V8's without the `m` flag). No flags:
 * Go's `(?i)` folds `k` with the Kelvin sign and `s` with the long s, V8's does not. V8 runs it with the `u` flag, so
 * that `.` and classes take a code point, as Go's take a rune.
 */

/** The V8 RegExp for `source` when it qualifies (see above), else null. */
export function backtrackingSafeRegExp(source: string): RegExp | null {
  const scan = translate(source);
  if (scan === null) return null;
  // One way through costs at most the pattern's length per start position, as RE2's own bound; more ways, each.
  if (scan.ways > 1 && scan.ways * source.length > MAX_BACKTRACKING_STEPS) return null;
  // A repeat walks the text once per way through the alternatives before it: 64 ways and `.*` took 0.4 s on a
  // 1 MiB header, where RE2 takes 15 ms.
  if (scan.ways > 1 && scan.repeats > 0) return null;
  const linear = scan.quantifiers === 0 || (scan.quantifiers === 1 && scan.anchoredStart && !scan.topLevelAlternation && scan.quantifiedAtomIsCharacter);
  if (!linear) return null;
  try {
    return new RegExp(scan.pattern, 'u');
  } catch {
    return null;
  }
}

// Pattern characters walked per start position: a few milliseconds on 16 KiB of input.
const MAX_BACKTRACKING_STEPS = 4096;

interface Scan {
  /** The pattern in V8's syntax. */
  readonly pattern: string;
  readonly quantifiers: number;
  /** Quantifiers other than `?`: each may take as much of the text as there is. */
  readonly repeats: number;
  /** The ways through the pattern from one start position, the one quantifier aside: alternatives multiply them. */
  readonly ways: number;
  readonly anchoredStart: boolean;
  readonly topLevelAlternation: boolean;
  /** Whether every quantifier follows a single character, escape or class (a group takes `?` only). */
  readonly quantifiedAtomIsCharacter: boolean;
}

/** Ways through a group: its finished alternatives' and the current one's (a product over its items so far). */
interface Ways {
  finished: number;
  current: number;
}

// Characters V8's `u` mode lets a backslash escape (outside a class); other punctuation is written bare.
const SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/';
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const ALNUM = /^[0-9A-Za-z]$/;
const CLASS_ESCAPES = 'dDwW';
// Literal characters in a class, besides letters and digits: printable ASCII that means itself in both engines.
const CLASS_LITERAL = /^[ !"#$%&'()*+,./:;<=>?@_`{|}~]$/;

/** `source` in V8's syntax with what decides its time, or null for anything outside the subset above. */
function translate(source: string): Scan | null {
  let pattern = '';
  let quantifiers = 0;
  let repeats = 0;
  let depth = 0;
  // Per open group (the pattern itself first): the ways through its finished alternatives, and through the current one.
  const groups: Ways[] = [{ finished: 0, current: 1 }];
  let topLevelAlternation = false;
  let quantifiedAtomIsCharacter = true;
  // What the last item was: a quantifier may follow a character ('atom'), a group's end ('group'), or nothing.
  let last: 'atom' | 'group' | 'none' = 'none';
  const anchoredStart = source.startsWith('^');
  let i = 0;
  if (anchoredStart) {
    pattern += '^';
    i = 1;
  }
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return null;
      if (CLASS_ESCAPES.includes(next) || next === 'b' || next === 'B') pattern += '\\' + next;
      else if (PUNCTUATION.test(next)) pattern += SYNTAX_CHARACTERS.includes(next) ? '\\' + next : next;
      else return null;
      last = next === 'b' || next === 'B' ? 'none' : 'atom';
      i += 2;
    } else if (c === '[') {
      const end = classEnd(source, i);
      if (end === null) return null;
      pattern += end.pattern;
      last = 'atom';
      i = end.next;
    } else if (c === '(') {
      // A plain group or a non-capturing one; no flags, names (V8 would need them unique too) or other syntax.
      if (source[i + 1] === '?') {
        if (source[i + 2] !== ':') return null;
        pattern += '(?:';
        i += 3;
      } else {
        pattern += '(';
        i += 1;
      }
      depth++;
      groups.push({ finished: 0, current: 1 });
      last = 'none';
    } else if (c === ')') {
      if (depth === 0) return null;
      depth--;
      const group = groups.pop() as Ways;
      // A group with `?` may also be skipped: one way more.
      (groups[depth] as Ways).current *= group.finished + group.current + (source[i + 1] === '?' ? 1 : 0);
      pattern += ')';
      last = 'group';
      i++;
    } else if (c === '|') {
      if (depth === 0) topLevelAlternation = true;
      const group = groups[depth] as Ways;
      group.finished += group.current;
      group.current = 1;
      pattern += '|';
      last = 'none';
      i++;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      const end = c === '{' ? countEnd(source, i) : i + 1;
      if (end === null || last === 'none') return null;
      // A group may take `?` (run once or not: twice the work at most); any other count of a group can split
      // the same text in many ways.
      if (last === 'group' && !(c === '?')) quantifiedAtomIsCharacter = false;
      pattern += source.slice(i, end);
      i = end;
      // A lazy quantifier is the same quantifier for this count; two in a row Go refuses (re2js reports it).
      if (source[i] === '?') pattern += source[i++];
      if ('*+?{'.includes(source[i] ?? '')) return null;
      quantifiers++;
      if (c !== '?') repeats++;
      last = 'none';
    } else if (c === '.') {
      pattern += '[^\\n]';
      last = 'atom';
      i++;
    } else if (c === '$') {
      if (i !== source.length - 1) return null;
      pattern += '$';
      last = 'none';
      i++;
    } else if (ALNUM.test(c) || CLASS_LITERAL.test(c) || c === '-' || c === ']' || c === '}') {
      if (c === '^') return null;
      pattern += SYNTAX_CHARACTERS.includes(c) ? '\\' + c : c;
      last = 'atom';
      i++;
    } else {
      return null;
    }
  }
  if (depth !== 0) return null;
  const top = groups[0] as Ways;
  return { pattern, quantifiers, repeats, ways: top.finished + top.current, anchoredStart, topLevelAlternation, quantifiedAtomIsCharacter };
}

/**
 * The end of a `{n}`, `{n,}` or `{n,m}` repeat starting at `open`, or null: Go reads other braces as text, and so
 * a count with a leading zero (`a{01}` is the text "a{01}", V8's is one `a`).
 */
function countEnd(source: string, open: number): number | null {
  const m = /^\{(?:0|[1-9]\d{0,3})(?:,(?:0|[1-9]\d{0,3})?)?\}/.exec(source.slice(open, open + 12));
  return m === null ? null : open + m[0].length;
}

/**
 * The class starting at `open` in V8's syntax and where the pattern goes on, or null. Only letters, digits,
 * ranges between them, escaped punctuation, `\d \D \w \W` and plain punctuation other than `[ ] \ ^ -` (a `-`
 * only first or last, a `^` only first): Go reads `[]a]` and `[[:alpha:]]` in ways V8 does not.
 */
function classEnd(source: string, open: number): { pattern: string; next: number } | null {
  let pattern = '[';
  let i = open + 1;
  if (source[i] === '^') {
    pattern += '^';
    i++;
  }
  const first = i;
  // The last character written was a single letter or digit that may start a range.
  let rangeStart = false;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === ']') {
      if (i === first) return null;
      return { pattern: pattern + ']', next: i + 1 };
    }
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return null;
      if (CLASS_ESCAPES.includes(next)) pattern += '\\' + next;
      else if (PUNCTUATION.test(next)) pattern += SYNTAX_CHARACTERS.includes(next) || next === '-' ? '\\' + next : next;
      else return null;
      rangeStart = false;
      i += 2;
    } else if (c === '-') {
      // A range between two letters or digits, or a literal `-` first or last.
      const to = source[i + 1] ?? '';
      if (i === first || to === ']') pattern += '\\-';
      else if (rangeStart && ALNUM.test(to)) {
        pattern += '-' + to;
        i++;
      } else return null;
      rangeStart = false;
      i++;
    } else if (ALNUM.test(c) || CLASS_LITERAL.test(c)) {
      pattern += SYNTAX_CHARACTERS.includes(c) ? '\\' + c : c;
      rangeStart = ALNUM.test(c);
      i++;
    } else {
      return null;
    }
  }
  return null;
}
