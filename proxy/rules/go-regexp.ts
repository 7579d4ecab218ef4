import { MatcherArgumentError } from './matcher-types.js';

/**
 * Go RE2 -> JavaScript RegExp, for the differences users actually write: named groups `(?P<n>`,
 * leading inline flags `(?i)`/`(?s)`/`(?m)`, `\A` / `\z`, `\Q...\E` and POSIX classes `[[:alpha:]]`.
 * Compiled once per matcher; never used with the stateful `g` flag.
 */

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

export function compileGoRegexp(source: string, matcher: string): RegExp {
  let pattern = source;
  let flags = '';
  // Flags at the very start (or right after a leading '^') apply to the whole pattern: JS flags.
  const leading = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
  if (leading) {
    const goFlags = leading[2] as string;
    if (goFlags.includes('U')) throw new MatcherArgumentError(`${matcher}: the (?U) flag is not supported`);
    flags = [...new Set(goFlags)].join('');
    pattern = (leading[1] as string) + pattern.slice(leading[0].length);
  }
  pattern = pattern
    .replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, neg: string, name: string) => {
      const cls = POSIX_CLASSES[name];
      if (cls === undefined || neg === '^') return whole;
      return cls;
    })
    // Absolute start/end of text, whatever the (?m) flag says.
    .replace(/(^|[^\\])((?:\\\\)*)\\A/g, '$1$2(?<![\\s\\S])')
    .replace(/(^|[^\\])((?:\\\\)*)\\z/g, '$1$2(?![\\s\\S])');
  if (/\\[pP]/.test(pattern)) {
    // Go's one-letter form \pL is \p{L}; Go script names (\p{Greek}) are \p{Script=Greek} in JS.
    pattern = pattern
      .replace(/(^|[^\\])((?:\\\\)*)\\([pP])([A-Za-z])/g, '$1$2\\$3{$4}')
      .replace(/\\([pP])\{(\^?)([A-Za-z_]{3,})\}/g, (_, p: string, neg: string, name: string) => {
        const letter = neg === '^' ? (p === 'p' ? 'P' : 'p') : p;
        return `\\${letter}{Script=${name}}`;
      });
    flags += 'u';
  }
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    throw new MatcherArgumentError(`${matcher}: invalid regexp ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
}
