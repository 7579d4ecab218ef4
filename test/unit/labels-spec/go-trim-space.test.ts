import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimSpace } from '../../../labels-spec/schema/go-trim-space.js';

// Expected values as Go's strings.TrimSpace gives them (go1.22, unicode.IsSpace).
const cases: { input: string; go: string; why: string }[] = [
  { input: ' \t\n\v\f\rweb \r\n', go: 'web', why: 'ASCII white space' },
  { input: '\u0085web\u0085', go: 'web', why: 'NEL is white space to Go (JavaScript keeps it)' },
  { input: '\ufeffweb\ufeff', go: '\ufeffweb\ufeff', why: 'a byte order mark is not (JavaScript trims it)' },
  { input: '\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000web\u3000', go: 'web', why: 'Unicode White_Space' },
  { input: '\u200bweb\u180e', go: '\u200bweb\u180e', why: 'zero-width space and Mongolian vowel separator are not White_Space' },
  { input: 'a b\u0085c', go: 'a b\u0085c', why: 'inner space stays' },
  { input: '\u0085 \u00a0', go: '', why: 'only space' },
  { input: '', go: '', why: 'empty' },
];

for (const { input, go, why } of cases) {
  test(`trimSpace as Go's strings.TrimSpace: ${why}`, () => {
    assert.equal(trimSpace(input), go);
  });
}
