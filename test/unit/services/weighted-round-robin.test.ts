import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeightedRoundRobin } from '../../../proxy/services/strategies/weighted-round-robin.js';

const picks = (wrr: WeightedRoundRobin<string>, n: number): string[] => Array.from({ length: n }, () => wrr.next() ?? '-');

test('equal weights rotate strictly in order', () => {
  assert.deepEqual(picks(new WeightedRoundRobin([{ value: 'a', weight: 1 }, { value: 'b', weight: 1 }, { value: 'c', weight: 1 }]), 7), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('weights are honoured smoothly (11:3 over 14 picks)', () => {
  const seq = picks(new WeightedRoundRobin([{ value: 'A', weight: 11 }, { value: 'B', weight: 3 }]), 14);
  assert.equal(seq.filter((s) => s === 'A').length, 11);
  assert.equal(seq.filter((s) => s === 'B').length, 3);
  assert.ok(!seq.join('').includes('BB'), `B is spread out: ${seq.join(' ')}`);
});

test('weight <= 0 is never picked; all ignored gives undefined', () => {
  assert.deepEqual(picks(new WeightedRoundRobin([{ value: 'a', weight: 0 }, { value: 'b', weight: 1 }]), 3), ['b', 'b', 'b']);
  assert.equal(new WeightedRoundRobin([{ value: 'a', weight: 0 }]).next(), undefined);
});

test('down entries are skipped and come back', () => {
  const wrr = new WeightedRoundRobin([{ value: 'a', weight: 1 }, { value: 'b', weight: 1 }]);
  wrr.setUp('a', false);
  assert.deepEqual(picks(wrr, 3), ['b', 'b', 'b']);
  wrr.setUp('b', false);
  assert.equal(wrr.next(), undefined);
  wrr.setUp('a', true);
  assert.equal(wrr.next(), 'a');
  assert.equal(wrr.isUp('b'), false);
});
