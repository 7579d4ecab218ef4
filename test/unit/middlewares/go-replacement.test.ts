import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegexp } from '../../../proxy/rules/go-regexp.js';
import { goReplaceAll } from '../../../proxy/middlewares/paths/go-replacement.js';

// Expected values are what Go's regexp.ReplaceAllString returns for the same inputs.
const ROWS: { regex: string; template: string; input: string; want: string }[] = [
  { regex: '^/a/(.*)', template: '/b/$1', input: '/a/x', want: '/b/x' },
  { regex: '^/a/(.*)', template: '/b/${1}', input: '/a/x', want: '/b/x' },
  { regex: '^/a/(.*)', template: '/b/$1x', input: '/a/x', want: '/b/' }, // group "1x" does not exist
  { regex: '^/a/(.*)', template: '/b/${1}x', input: '/a/x', want: '/b/xx' },
  { regex: '^/a/(.*)', template: '/b/$10', input: '/a/x', want: '/b/' }, // group 10 does not exist
  { regex: '^/(?P<v>v\\d)/(.*)', template: '/$2/${v}', input: '/v1/u', want: '/u/v1' },
  { regex: '^/(?P<v>v\\d)/(.*)', template: '/$v', input: '/v1/u', want: '/v1' },
  { regex: '^/(?P<v>v\\d)/(.*)', template: '/$nope', input: '/v1/u', want: '/' },
  { regex: '^/a', template: '$$1', input: '/a', want: '$1' },
  { regex: '^/a', template: 'x$', input: '/a', want: 'x$' }, // malformed: literal '$'
  { regex: '^/a', template: 'x${', input: '/a', want: 'x${' },
  { regex: '^/a', template: '[$0]', input: '/a', want: '[/a]' },
  { regex: '^/a(b)?', template: '[$1]', input: '/a', want: '[]' }, // unmatched group
  { regex: 'o', template: '0', input: '/foo', want: '/f00' }, // ReplaceAll
  { regex: '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)', template: '$11-$1', input: 'abcdefghijk', want: 'k-a' },
  { regex: '^/(a)', template: '[$01]', input: '/a', want: '[]' }, // a leading zero makes a name, not a number
  { regex: '^/(?P<n1>a)', template: '[$n1]', input: '/a', want: '[a]' },
  { regex: '^/(?<v>a)', template: '[${v}]', input: '/a', want: '[a]' }, // Go 1.22's (?<name>)
  // An empty match right after a match is not replaced (Go's replaceAll; JavaScript's replace gives -b--c-).
  { regex: 'a*', template: '-', input: 'baaac', want: '-b-c-' },
  { regex: 'x*', template: '-', input: 'é😀', want: '-é-😀-' }, // one step per code point
  { regex: '(?i)Ü', template: 'u', input: '/ü', want: '/u' },
  // Go lets groups share a name: $x is the first of them that took part in the match.
  { regex: '^/(?P<x>a)?(?P<x>b)', template: '[$x]', input: '/ab', want: '[a]' },
  { regex: '^/(?P<x>a)?(?P<x>b)', template: '[${x}]', input: '/b', want: '[b]' },
  { regex: '[(?P<x>]|(?P<x>a)(?P<x>b)', template: '[$x]', input: '(ab', want: '[][a]' }, // a class's text is no group
];

for (const row of ROWS) {
  test(`Go replacement ${JSON.stringify(row.template)} on ${JSON.stringify(row.input)} ⇒ ${JSON.stringify(row.want)}`, () => {
    assert.equal(goReplaceAll(compileGoRegexp(row.regex, 'test'), row.template)(row.input), row.want);
  });
}
