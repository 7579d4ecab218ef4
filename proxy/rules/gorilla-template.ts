import { compileGoRegexp, type GoRegexp } from './go-regexp.js';
import { MatcherArgumentError } from './matcher-types.js';

/**
 * v2 rules use gorilla/mux templates: literal text plus `{name}` or `{name:regexp}` groups.
 * The result is one anchored Go regexp (`^...$`, or `^...` for prefixes), built once.
 */

export interface TemplateOptions {
  /** Pattern for `{name}` without a regexp: `[^.]+` for hosts, `[^/]+` for paths, `.*` for queries. */
  readonly defaultPattern: string;
  readonly prefix: boolean;
  readonly caseInsensitive: boolean;
  readonly matcher: string;
}

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$/-]/g, '\\$&');
}

export function compileTemplate(template: string, opts: TemplateOptions): GoRegexp {
  let source = '^';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      source += quoteMeta(template.slice(i));
      break;
    }
    source += quoteMeta(template.slice(i, open));
    const close = matchingBrace(template, open, opts.matcher);
    const inner = template.slice(open + 1, close);
    const colon = inner.indexOf(':');
    const name = colon < 0 ? inner : inner.slice(0, colon);
    const pattern = colon < 0 ? opts.defaultPattern : inner.slice(colon + 1);
    if (name === '' || pattern === '') {
      throw new MatcherArgumentError(`${opts.matcher}: missing name or pattern in ${JSON.stringify(template.slice(open, close + 1))}`);
    }
    // Validate the group on its own so a bad one is reported as such.
    compileGoRegexp(pattern, opts.matcher);
    source += `(?:${pattern})`;
    i = close + 1;
  }
  if (!opts.prefix) source += '$';
  return compileGoRegexp(opts.caseInsensitive ? `(?i)${source}` : source, opts.matcher);
}

/** Index of the '}' closing the '{' at `open`; gorilla requires balanced braces. */
function matchingBrace(template: string, open: number, matcher: string): number {
  let depth = 0;
  for (let i = open; i < template.length; i++) {
    if (template[i] === '{') depth++;
    else if (template[i] === '}' && --depth === 0) return i;
  }
  throw new MatcherArgumentError(`${matcher}: unbalanced braces in ${JSON.stringify(template)}`);
}
