import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MirrorCounters, type Mirror } from '../../../proxy/services/mirroring-service.js';

const handler = (): void => undefined;

// Which of the first n requests a mirror of `percent` gets, by Traefik's rule: count*100 < total*percent.
const cases: { percent: number; n: number; mirrored: number[] }[] = [
  { percent: 0, n: 10, mirrored: [] },
  { percent: 100, n: 4, mirrored: [1, 2, 3, 4] },
  { percent: 50, n: 8, mirrored: [1, 3, 5, 7] },
  { percent: 10, n: 25, mirrored: [1, 11, 21] },
  { percent: 33, n: 10, mirrored: [1, 4, 7, 10] },
  { percent: 75, n: 8, mirrored: [1, 2, 3, 5, 6, 7] },
  { percent: 1, n: 101, mirrored: [1, 101] },
];

for (const { percent, n, mirrored } of cases) {
  test(`percent ${percent}: requests ${mirrored.join(', ') || 'none'} of ${n}`, () => {
    const mirror: Mirror = { handler, percent };
    const counters = new MirrorCounters(1);
    const got: number[] = [];
    for (let i = 1; i <= n; i++) if (counters.select([mirror]) !== null) got.push(i);
    assert.deepEqual(got, mirrored);
  });
}

test('each mirror keeps its own count over the same requests', () => {
  const half: Mirror = { handler, percent: 50 };
  const all: Mirror = { handler, percent: 100 };
  const counters = new MirrorCounters(2);
  const picks = [1, 2, 3, 4].map(() => (counters.select([half, all]) ?? []).map((m) => m.percent));
  assert.deepEqual(picks, [[50, 100], [100], [50, 100], [100]]);
});
