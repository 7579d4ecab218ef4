import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IMAGE_NODE_FLAGS, workerExecArgv, YOUNG_GENERATION_FLAG } from '../../../operator/workers/young-generation.js';

test('a worker gets the young-generation flag after the primary\'s own node flags', () => {
  assert.deepEqual(workerExecArgv([], undefined), [YOUNG_GENERATION_FLAG]);
  assert.deepEqual(workerExecArgv(['--enable-source-maps'], ''), ['--enable-source-maps', YOUNG_GENERATION_FLAG]);
});

test('a semi-space size the user gave node wins, on the command line or in NODE_OPTIONS', () => {
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=64'], undefined), ['--max-semi-space-size=64']);
  assert.deepEqual(workerExecArgv(['--max_semi_space_size=8'], undefined), ['--max_semi_space_size=8']);
  assert.deepEqual(workerExecArgv([], '--trace-warnings --max-semi-space-size=16'), []);
  // A flag that only starts alike is not a size.
  assert.deepEqual(workerExecArgv(['--max-semi-space-sizes'], undefined), ['--max-semi-space-sizes', YOUNG_GENERATION_FLAG]);
});

test("the image's entrypoint runs node with IMAGE_NODE_FLAGS, the young-generation flag among them", () => {
  const dockerfile = readFileSync(new URL('../../../../Dockerfile', import.meta.url), 'utf8');
  const entrypoint = /^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1];
  assert.ok(entrypoint !== undefined, 'the Dockerfile has an ENTRYPOINT');
  assert.deepEqual(JSON.parse(entrypoint), ['node', ...IMAGE_NODE_FLAGS, '/app/dist/operator/cli/main.js']);
  assert.ok(IMAGE_NODE_FLAGS.includes(YOUNG_GENERATION_FLAG));
});
