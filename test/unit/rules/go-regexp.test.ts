import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegexp } from '../../../proxy/rules/go-regexp.js';
import { MatcherArgumentError } from '../../../proxy/rules/matcher-types.js';

/** [Go pattern, matching inputs, non-matching inputs]: RE2 spellings users copy from Traefik docs. */
const cases: readonly (readonly [string, string[], string[]])[] = [
  ['(?P<sub>[a-z]+)\\.example\\.com', ['api.example.com'], ['api1.example.com']],
  ['(?i)^ABC$', ['abc', 'AbC'], ['abcd']],
  ['^(?i)abc$', ['ABC'], ['xabc']],
  ['(?s)a.b', ['a\nb'], ['ab']],
  ['\\Aab\\z', ['ab'], ['ab\n', 'xab']],
  ['^[[:digit:]]+$', ['123'], ['12a']],
  ['^[[:alpha:][:digit:]_]+$', ['a_1'], ['a-1']],
  ['^\\Q1.5+\\E$', ['1.5+'], ['115']],
  ['\\pL', ['é'], ['1']],
  ['^\\p{Greek}+$', ['αβ'], ['ab']],
  // Go's semantics where JavaScript's differ.
  ['^a.b$', ['a\rb', 'a😀b'], ['a\nb']],
  ['^\\s$', [' ', '\t'], ['\v', '\u00a0']],
  ['(?i)k', ['K', '\u212a'], ['x']],
  ['(?U)a+', ['a'], ['b']],
  ['[]a]', [']', 'a'], ['b']],
  ['^(?P<v>[0-9]+)$|^v(?P<v>[0-9]+)$', ['1', 'v2'], ['v']], // Go lets groups share a name
];

for (const [pattern, yes, no] of cases) {
  test(`Go regexp ${pattern}`, () => {
    const re = compileGoRegexp(pattern, 'PathRegexp');
    for (const s of yes) assert.equal(re.test(s), true, `${JSON.stringify(s)} should match`);
    for (const s of no) assert.equal(re.test(s), false, `${JSON.stringify(s)} should not match`);
  });
}

test('invalid or unsupported patterns are argument errors naming the matcher', () => {
  assert.throws(() => compileGoRegexp('a(', 'HostRegexp'), (e: unknown) => e instanceof MatcherArgumentError && /^HostRegexp: invalid regexp/.test(e.message));
  assert.throws(() => compileGoRegexp('a**', 'PathRegexp'), /PathRegexp: invalid regexp "a\*\*": error parsing regexp: invalid nested repetition operator/);
  assert.throws(() => compileGoRegexp('(?<=a)b', 'PathRegexp'), /invalid regexp/); // no lookbehind in Go
  assert.throws(() => compileGoRegexp('(a)\\1', 'PathRegexp'), /invalid regexp/); // nor backreferences
});

test('a pattern whose groups share a name is still checked whole, and reports what else is wrong', () => {
  assert.deepEqual(compileGoRegexp('(?P<v>a)|(b)|(?P<v>c)', 'PathRegexp').groupNames, ['', 'v', '', 'v']);
  assert.throws(() => compileGoRegexp('(?P<v>a)(?P<v>b', 'PathRegexp'), /PathRegexp: invalid regexp "\(\?P<v>a\)\(\?P<v>b": error parsing regexp: missing closing \)/);
});
