import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CrashLoop } from '../../../operator/workers/crash-loop.js';

it('a crash loop is the 5th death within 60 s; deaths older than the window do not count', () => {
  const loop = new CrashLoop(5, 60_000);
  assert.deepEqual([0, 10_000, 20_000, 30_000].map((t) => loop.died(t)), [false, false, false, false]);
  // The first death left the window: four within it.
  assert.equal(loop.died(60_000), false);
  assert.equal(loop.count, 4);
  assert.equal(loop.died(61_000), true, 'five within 60 s');
});
