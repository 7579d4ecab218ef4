/**
 * Go lets capture groups share a name (`(?P<v>a)|(?P<v>b)`: SubexpNames lists it twice, Expand's `$v` is the first
 * such group that matched); re2js refuses the pattern. This renames the later ones so re2js compiles it, and keeps
 * each group's name as Go reports it.
 */
export interface RenamedGroups {
  /** The pattern with every name unique, the same groups in the same order. */
  readonly pattern: string;
  /** Each group's name in `source` by its number, '' for the whole match and unnamed groups. */
  readonly names: readonly string[];
}

const NAMED_GROUP = /\(\?P?<([A-Za-z0-9_]+)>/y;

export function renameDuplicateGroups(source: string): RenamedGroups {
  const taken = new Set([...source.matchAll(/\(\?P?<([A-Za-z0-9_]+)>/g)].map((m) => m[1] as string));
  const seen = new Set<string>();
  const names = [''];
  let pattern = '';
  let fresh = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    let next = i + 1;
    if (c === '\\') next = source[i + 1] === 'Q' ? quotedEnd(source, i) : i + 2;
    else if (c === '[') next = classEnd(source, i);
    else if (c === '(') {
      NAMED_GROUP.lastIndex = i;
      const named = NAMED_GROUP.exec(source);
      if (named !== null) {
        const name = named[1] as string;
        names.push(name);
        let unique = name;
        if (seen.has(name)) {
          do unique = `${name}_${++fresh}`; while (taken.has(unique));
          taken.add(unique);
        }
        seen.add(name);
        pattern += `(?P<${unique}>`;
        i = NAMED_GROUP.lastIndex;
        continue;
      }
      if (source[i + 1] !== '?') names.push('');
    }
    pattern += source.slice(i, next);
    i = next;
  }
  return { pattern, names };
}

/** Past a `\Q...\E` (all text, as Go reads it; to the end when there is no `\E`). */
function quotedEnd(source: string, open: number): number {
  const end = source.indexOf('\\E', open + 2);
  return end === -1 ? source.length : end + 2;
}

/** Past the class opening at `open`, as Go's parseClass reads it: a `]` first is text, `[:name:]` a POSIX class. */
function classEnd(source: string, open: number): number {
  let i = open + 1;
  if (source[i] === '^') i++;
  let first = true;
  while (i < source.length) {
    if (source[i] === ']' && !first) return i + 1;
    first = false;
    if (source.startsWith('[:', i) && source.indexOf(':]', i + 2) !== -1) i = source.indexOf(':]', i + 2) + 2;
    else if (source[i] === '\\') i += 2;
    else i++;
  }
  return source.length;
}
