import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseDuration } from '../../../labels-spec/index.js';

const valid: { desc: string; input: unknown; ms: number }[] = [
  { desc: 'milliseconds', input: '100ms', ms: 100 },
  { desc: 'minutes and seconds', input: '1m30s', ms: 90_000 },
  { desc: 'hours', input: '2h', ms: 7_200_000 },
  { desc: 'fractional seconds', input: '1.5s', ms: 1500 },
  { desc: 'negative', input: '-1s', ms: -1000 },
  { desc: 'zero without unit', input: '0', ms: 0 },
  { desc: 'bare integer is seconds', input: 42, ms: 42_000 },
  { desc: 'numeric string is seconds', input: '42', ms: 42_000 },
  { desc: 'bare float is seconds', input: 0.5, ms: 500 },
  { desc: 'microseconds', input: '1500us', ms: 1.5 },
  { desc: 'micro sign', input: '2µs', ms: 0.002 },
  { desc: 'nanoseconds', input: '1000000ns', ms: 1 },
  { desc: 'hours minutes seconds', input: '1h2m3s', ms: 3_723_000 },
  { desc: 'Go rendering of a minute', input: '1m0s', ms: 60_000 },
];

for (const { desc, input, ms } of valid) {
  test(`parseDuration: ${desc} (${JSON.stringify(input)})`, () => {
    assert.equal(parseDuration(input), ms);
  });
}

const invalid: { desc: string; input: unknown }[] = [
  { desc: 'empty', input: '' },
  { desc: 'unknown unit', input: '5d' },
  { desc: 'unit only', input: 's' },
  { desc: 'trailing garbage', input: '5s and more' },
  { desc: 'missing unit after the first part', input: '1m30' },
  { desc: 'boolean', input: true },
  { desc: 'null', input: null },
  { desc: 'infinity', input: Number.POSITIVE_INFINITY },
];

for (const { desc, input } of invalid) {
  test(`parseDuration rejects ${desc}`, () => {
    assert.throws(() => parseDuration(input), /duration/);
  });
}

test('parseDuration error says how to write a duration', () => {
  assert.throws(() => parseDuration('5d'), /invalid duration "5d": use a Go duration such as "100ms"/);
});

// Go's time.Duration.String() (time/time_test.go durationTests), from milliseconds: what Traefik's API prints.
const GO_STRINGS: [number, string][] = [
  [0, '0s'],
  [1e-6, '1ns'],
  [1.1e-3, '1.1µs'],
  [2.2, '2.2ms'],
  [100, '100ms'],
  [1500, '1.5s'],
  [3300, '3.3s'],
  [30_000, '30s'],
  [60_000, '1m0s'],
  [90_000, '1m30s'],
  [4 * 60_000 + 5_000, '4m5s'],
  [4 * 60_000 + 5_001, '4m5.001s'],
  [3_723_000, '1h2m3s'],
  [2 * 3_600_000, '2h0m0s'],
  [5 * 3_600_000 + 6 * 60_000 + 7_001, '5h6m7.001s'],
  [8 * 60_000 + 1e-6, '8m0.000000001s'],
  [-1500, '-1.5s'],
  [-1e-6, '-1ns'],
];

for (const [ms, text] of GO_STRINGS) {
  test(`formatGoDuration(${ms} ms) is Go's "${text}"`, () => {
    assert.equal(formatGoDuration(ms), text);
  });
}
