// Bounded fuzzing in `npm test` (issue 7, item 4): random and mutated bytes at the plain HTTP/1.1
// front (lean and node:http routers), HTTP/1.1 over TLS, raw HTTP/2 frames, and random answers from a
// hostile backend, ~1.5 s per family (~15 s in all). After every batch pe-edge (a child process, one per family) must
// still be alive and answer a normal request with 200. Seeds are printed; FUZZ_SEED=<n> replays a run.
// The longer run is `node dist/test/security/fuzz.js <seconds>`.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startEdgeChild } from '../../support/edge-child.js';
import { FAMILIES, formatFailure, runFuzz } from '../../security/fuzz-engine.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const SECONDS_PER_FAMILY = 1.5;

for (const [index, family] of FAMILIES.entries()) {
  const seed = SEED + index;
  it(`survives ${SECONDS_PER_FAMILY} s of fuzzing: ${family} (seed ${seed})`, async (t) => {
    const edge = await startEdgeChild();
    t.after(() => edge.stop());
    t.diagnostic(`seed ${seed}; replay this run with FUZZ_SEED=${SEED}`);
    const result = await runFuzz(edge, { seed, durationMs: SECONDS_PER_FAMILY * 1000, families: [family], casesPerBatch: 8 });
    t.diagnostic(`${result.batches} batches, ${result.cases} cases`);
    if (result.failure !== null) assert.fail(formatFailure(result.failure));
    assert.ok(result.batches >= 1, 'at least one batch ran');
  });
}
