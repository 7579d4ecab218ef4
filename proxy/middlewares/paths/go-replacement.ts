import type { GoRegexp } from '../../rules/go-regexp.js';

/** One piece of a replacement template: text, or the text a group matched (by number, or by name: the first such group that matched). */
type TemplatePart = string | number | { readonly name: string };

/**
 * Go's Regexp.ReplaceAllString(input, template), the template read once: `$1`, `${1}`, `$name`, `${name}`, `$$`.
 * As Go's Expand, the longest name after `$` is taken (`$1x` is group "1x"), a missing or unmatched group expands
 * to nothing and a malformed `$` stays text; as Go's replaceAll, an empty match right after a match is not replaced.
 * `text` converts the template's own text (not what groups captured): replacePathRegex's UTF-8 bytes.
 */
export function goReplaceAll(re: GoRegexp, template: string, text: (s: string) => string = (s) => s): (input: string) => string {
  const parts = parseTemplate(template).map((part) => (typeof part === 'string' ? text(part) : part));
  return (input) => {
    let out = '';
    let lastMatchEnd = 0;
    let searchPos = 0;
    while (searchPos <= input.length) {
      const match = re.matchIndices(input, searchPos);
      if (match === null) break;
      const start = match[0] as number;
      const end = match[1] as number;
      out += input.slice(lastMatchEnd, start);
      if (end > lastMatchEnd || start === 0) out += expand(parts, re.groupNames, match, input);
      lastMatchEnd = end;
      // Past this match, and at least one character (a code point, as Go steps a rune) on.
      const width = (input.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1;
      searchPos = searchPos + width > end ? searchPos + width : end;
    }
    return out + input.slice(lastMatchEnd);
  };
}

function expand(parts: readonly TemplatePart[], names: readonly string[], match: readonly number[], input: string): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else if (typeof part === 'number') out += groupText(part, match, input);
    else {
      for (let group = 0; group < names.length; group++) {
        if (names[group] === part.name && (match[2 * group] as number) >= 0) {
          out += groupText(group, match, input);
          break;
        }
      }
    }
  }
  return out;
}

function groupText(group: number, match: readonly number[], input: string): string {
  const start = match[2 * group];
  return start === undefined || start < 0 ? '' : input.slice(start, match[2 * group + 1]);
}

// Go's extract: a name of letters, digits and underscores, braced or not.
const REFERENCE = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u;

function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      text += '$';
      i++;
      continue;
    }
    const ref = REFERENCE.exec(template.slice(i));
    if (ref === null) {
      text += '$'; // malformed: the '$' is text
      continue;
    }
    i += ref[0].length;
    const name = (ref[1] ?? ref[2]) as string;
    if (text !== '') parts.push(text);
    text = '';
    // Go reads a name of ASCII digits without a leading zero as a group number (up to nine digits).
    parts.push(/^(?:0|[1-9]\d{0,8})$/.test(name) ? Number(name) : { name });
  }
  if (text !== '') parts.push(text);
  return parts;
}
