import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RE2JS } from 're2js';
import { compileGoRegexp } from '../../../proxy/rules/go-regexp.js';
import { backtrackingSafeRegExp } from '../../../proxy/rules/go-regexp-fast-path.js';

// Patterns that take V8's backtracking engine exponential or polynomial time, each with an input that shows it
// (seconds to hours there). Go's RE2, as Traefik runs them, and pe-edge match them in linear time.
const CATASTROPHIC: readonly (readonly [string, string])[] = [
  ['^/(a+)+$', '/' + 'a'.repeat(5000) + '!'],
  ['^(.+\\.)*example\\.com$', 'a.'.repeat(3000) + 'x'],
  ['(\\w+\\s?)+$', 'word '.repeat(2000) + '!'],
  ['^(a|a)*$', 'a'.repeat(5000) + '!'],
  ['a+a+a+a+b', 'a'.repeat(5000)],
  ['(?i)^(x+x+)+y$', 'X'.repeat(5000)],
  ['.*.*.*=.*;', 'x'.repeat(8000)],
];

for (const [pattern, input] of CATASTROPHIC) {
  test(`${pattern} on ${input.length} hostile characters answers in linear time`, () => {
    const re = compileGoRegexp(pattern, 'PathRegexp');
    const started = performance.now();
    assert.equal(re.test(input), false);
    assert.equal(re.firstMatch(input), null);
    // Linear: well under a second for any of them (V8's own engine: from seconds to longer than a test runs).
    assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  });
}

// What V8 runs itself: it must mean what Go means. Each pattern is checked against re2js (RE2's semantics) on inputs
// chosen to tell the engines apart (line ends, code points, case, classes).
const FAST: readonly string[] = [
  '^.+$', '^[a-z0-9-]+\\.example\\.com$', '^/api', '\\.php$', 'admin', '^/(v1|v2)/users$', '^/static/.*$',
  '^[^/]+\\.test$', '^/a.b$', '^\\d{2,4}$', '^/x\\b', '[\\w.-]', '^(?:www\\.)?example\\.org$', '^/[-x]?$',
  'a]b', '^/a\\/b}c$', '^[0-9A-Fa-f]+$',
];
const INPUTS = ['', 'x', 'a\rb', '/a\rb', '/a\nb', '/a😀b', 'api.example.com', 'API.example.com', 'a.b.example.com', '/api/x', 'x.php',
  '/v1/users', '/v2/users/', '/static/a\nb', 'foo.test', 'x/y.test', '12', '12345', '/x-y', '/xy', 'www.example.org', 'a]b', '/a/b}c',
  'deadBEEF', 'é', '\u212a', 'admin\n', '/-', '/x'];

test('every pattern V8 runs itself matches what RE2 matches, and the same text', () => {
  for (const pattern of FAST) {
    const fast = backtrackingSafeRegExp(pattern);
    assert.notEqual(fast, null, `${pattern} should run on V8`);
    const re2 = RE2JS.compile(pattern);
    const compiled = compileGoRegexp(pattern, 'PathRegexp');
    for (const input of INPUTS) {
      assert.equal(fast?.test(input), re2.test(input), `${pattern} on ${JSON.stringify(input)}`);
      // The leftmost-first match's text too (stripPrefixRegex's prefix): V8's first match is Go's.
      const m = re2.matcher(input);
      assert.equal(compiled.firstMatch(input), m.find() ? input.slice(m.start(0), m.end(0)) : null, `${pattern} in ${JSON.stringify(input)}`);
    }
  }
});

test('patterns whose time or meaning could differ on V8 run on RE2', () => {
  const slowOrDifferent = [
    '^/(a+)+$', '(a|b)*c', '^a+b+$', 'a+$', '^x|a+b', '(?m)^a+$', '(?i)^k$', '^\\s+$', '^\\pL+$', '[]a]', '[[:alpha:]]+',
    '^(?P<n>a)$', '\\Qa.b\\E', '\\Aab\\z', '^a{2}b+$', '^[a-c-e]+$', '^[\\d-z]+$', '^a*?b*$', 'a{,2}', '^(a|ab){2}$', '^(?:a+)?$', '(a|a)'.repeat(9) + 'b', '^(a|a)(a|a)(a|a)(a|a)(a|a)(a|a).*z$', '^(x|y)[a-z]+$',
  ];
  for (const pattern of slowOrDifferent) assert.equal(backtrackingSafeRegExp(pattern), null, pattern);
});

// Go reads a repeat count with a leading zero (`{01}`, `{1,02}`) as literal text, not as a count.
test('a brace with a leading-zero count is text, as Go reads it, on the fast path too', () => {
  for (const [pattern, text, count] of [['^a{01}$', 'a{01}', 'a'], ['^/v{1,02}$', '/v{1,02}', '/vv']] as const) {
    const re = compileGoRegexp(pattern, 'PathRegexp');
    assert.equal(re.test(text), true, `${pattern} on ${text}`);
    assert.equal(re.test(count), false, `${pattern} on ${count}`);
  }
});

// Backtracking tries every way through a pattern's alternatives at each start position: eight groups of two
// overlapping alternatives are 256 ways, each as long as the pattern. Linear in the input, but V8 then spends a
// second or more on 16 KiB where RE2 spends well under a millisecond.
test('overlapping alternatives that multiply V8 backtracking run on RE2, in a few milliseconds', () => {
  const long = 'a'.repeat(400);
  const pattern = `(${long}|${long})`.repeat(8) + 'c';
  assert.equal(backtrackingSafeRegExp(pattern), null);
  assert.equal(backtrackingSafeRegExp('(a|a)'.repeat(8) + 'c'), null);
  const re = compileGoRegexp(pattern, 'HostRegexp');
  const input = 'c' + 'a'.repeat(16 * 1024 - 2) + 'b';
  const started = performance.now();
  assert.equal(re.test(input), false);
  assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
  // A few alternatives in a row still run on V8.
  for (const fast of ['^(?:www\\.)?(a|b|c)\\.example\\.(com|org)$', '^/(v1|v2|v3|v4|v5|v6|v7|v8|v9)/users$', '(ab|cd)(ef|gh)(ij|kl)']) {
    assert.notEqual(backtrackingSafeRegExp(fast), null, fast);
  }
});

test('a pattern re2js runs keeps a bounded DFA whatever inputs it meets', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  // Inputs that keep showing the DFA new states: `bot` and `x` at random, 8 kB (a User-Agent header, say).
  const next = ((s: number) => () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)(5);
  let header = '';
  while (header.length < 8192) header += next() < 0.5 ? 'bot' : 'x';
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: 5 }, () => compileGoRegexp('(?i)bot.{0,40}crawl', 'HeaderRegexp'));
  for (const re of kept) assert.equal(re.test(header), false);
  gc();
  const perPattern = (process.memoryUsage().heapUsed - before) / kept.length;
  // re2js's own 8 MiB budget let each keep about 6.6 MiB of states; 256 KiB keeps it near 350 KiB.
  assert.ok(perPattern < 1.5 * 1024 * 1024, `${Math.round(perPattern / 1024)} KiB held per pattern`);
});
