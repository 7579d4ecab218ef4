import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goParseFloatOrZero } from '../../../proxy/http/go-parse-float.js';

test('goParseFloatOrZero reads what Go\'s strconv.ParseFloat reads, and gives 0 for what it refuses', () => {
  const cases: [string, number][] = [
    ['1', 1], ['0.5', 0.5], ['.5', 0.5], ['1.', 1], ['+1', 1], ['-0.25', -0.25], ['1e-3', 0.001], ['2E2', 200],
    ['1e400', Infinity], ['-1e400', -Infinity],
    ['inf', Infinity], ['+Inf', Infinity], ['-infinity', -Infinity], ['INFINITY', Infinity],
    ['0x1p0', 1], ['0x1p-2', 0.25], ['0X1.8p1', 3], ['-0x.8p0', -0.5],
    // Refused by Go: JavaScript's Number reads most of these.
    ['', 0], [' 1', 0], ['\t1', 0], ['1 ', 0], ['0x1', 0], ['0b1', 0], ['0o7', 0], ['1_0', 0], ['1e', 0], ['x', 0], ['0xp1', 0], ['Infinit', 0],
  ];
  for (const [text, expected] of cases) assert.equal(goParseFloatOrZero(text), expected, JSON.stringify(text));
  assert.ok(Number.isNaN(goParseFloatOrZero('NaN')));
  assert.ok(Number.isNaN(goParseFloatOrZero('nan')));
});
