import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterleavedRoundRobin } from '../../../proxy/udp/interleaved-round-robin.js';

// Sequences of Traefik's pkg/udp/wrr_load_balancer.go for the same weights (its wrr_load_balancer_test.go cases).
const cases: { name: string; weights: Record<string, number>; picks: number; expected: string | Error }[] = [
  { name: 'equal weights alternate from the first', weights: { a: 1, b: 1 }, picks: 4, expected: 'abab' },
  { name: 'weights 3 and 1: three turns of a, then b', weights: { a: 3, b: 1 }, picks: 8, expected: 'aaabaaab' },
  { name: 'weights 3, 2, 1 interleave by descending turns', weights: { a: 3, b: 2, c: 1 }, picks: 6, expected: 'aababc' },
  { name: 'weights 2 and 4 step by their GCD', weights: { a: 2, b: 4 }, picks: 6, expected: 'babbab' },
  { name: 'a zero weight is never picked', weights: { a: 0, b: 1 }, picks: 3, expected: 'bbb' },
  { name: 'no servers', weights: {}, picks: 1, expected: new Error('no servers in the pool') },
  { name: 'only zero weights', weights: { a: 0 }, picks: 1, expected: new Error('all servers have 0 weight') },
  { name: 'negative weights do not loop forever', weights: { a: -1, b: -2 }, picks: 1, expected: new Error('all servers have 0 weight') },
];

for (const c of cases) {
  test(`UDP WRR: ${c.name}`, () => {
    const wrr = new InterleavedRoundRobin(Object.entries(c.weights).map(([value, weight]) => ({ value, weight })));
    const picks = Array.from({ length: c.picks }, () => wrr.next());
    if (c.expected instanceof Error) assert.deepEqual(picks, [c.expected]);
    else assert.equal(picks.join(''), c.expected);
  });
}
