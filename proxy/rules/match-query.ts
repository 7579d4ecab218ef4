import { compileGoRegexp } from './go-regexp.js';
import type { CompiledMatcher } from './matcher-types.js';

/**
 * Query family, with Go's url.ParseQuery rules: pairs split on '&', a pair containing ';' is dropped,
 * keys and values are query-unescaped ('+' is a space; a bad %XX drops the pair), case-sensitive.
 * The raw query is scanned in place rather than parsed into a map.
 */

export type ValueTest = (value: string) => boolean;

/** Go's QueryUnescape; null when the escape is malformed. */
export function queryUnescape(s: string): string | null {
  if (!s.includes('%')) return s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return null;
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Valid escapes that are not UTF-8: Go keeps the bytes; we keep them as replacement characters.
    const bytes: number[] = [];
    for (let i = 0; i < spaced.length; i++) {
      if (spaced[i] === '%') {
        bytes.push(parseInt(spaced.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(spaced[i] as string, 'utf8'));
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

/** Decoded value of rawQuery[start, end) when that pair's key is `key`; undefined otherwise or when malformed. */
function valueOfPair(rawQuery: string, start: number, end: number, key: string): string | undefined {
  if (end <= start) return undefined;
  const pair = rawQuery.slice(start, end);
  const eq = pair.indexOf('=');
  if (queryUnescape(eq < 0 ? pair : pair.slice(0, eq)) !== key) return undefined;
  return eq < 0 ? '' : (queryUnescape(pair.slice(eq + 1)) ?? undefined);
}

/** Calls `test` on the decoded values of `key`, in order, until one passes (Go url.ParseQuery rules). */
export function anyQueryValue(rawQuery: string, key: string, test: ValueTest): boolean {
  let start = 0;
  while (start < rawQuery.length) {
    let amp = rawQuery.indexOf('&', start);
    if (amp < 0) amp = rawQuery.length;
    // Go drops a pair containing ';' rather than splitting on it.
    const semi = rawQuery.indexOf(';', start);
    if (semi < 0 || semi > amp) {
      const v = valueOfPair(rawQuery, start, amp, key);
      if (v !== undefined && test(v)) return true;
    }
    start = amp + 1;
  }
  return false;
}

/** gorilla's findFirstQueryKey (v2 rules): the first value of `key`, pairs split on '&' and ';'. */
export function firstQueryValue(rawQuery: string, key: string): string | undefined {
  let start = 0;
  while (start < rawQuery.length) {
    let sep = start;
    while (sep < rawQuery.length && rawQuery[sep] !== '&' && rawQuery[sep] !== ';') sep++;
    const v = valueOfPair(rawQuery, start, sep, key);
    if (v !== undefined) return v;
    start = sep + 1;
  }
  return undefined;
}

/** Query(`k`) matches `?k` and `?k=` only (the value list must contain ""); Query(`k`,`v`) needs v. */
export function compileQuery(key: string, value = ''): CompiledMatcher {
  const test: ValueTest = (v) => v === value;
  return { predicate: (ctx) => anyQueryValue(ctx.rawQuery, key, test) };
}

export function compileQueryRegexp(key: string, pattern?: string): CompiledMatcher {
  if (pattern === undefined) return compileQuery(key);
  const re = compileGoRegexp(pattern, 'QueryRegexp');
  const test: ValueTest = (v) => re.test(v);
  return { predicate: (ctx) => anyQueryValue(ctx.rawQuery, key, test) };
}
