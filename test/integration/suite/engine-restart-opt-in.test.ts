// The e2e test that restarts dockerd stops every container on the machine: on a developer's machine it is
// skipped, saying how to run it, unless CI or PE_EDGE_E2E_ENGINE_RESTART=1 is set. Runs the compiled test file
// in a child with neither set (so it never touches dockerd, in CI either) and reads its TAP output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ENGINE_RESTART = fileURLToPath(new URL('../../e2e/zz-engine-restart.test.js', import.meta.url));

test('without CI or PE_EDGE_E2E_ENGINE_RESTART=1 the engine-restart test is skipped with how to enable it', () => {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ENGINE_RESTART], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out);
  assert.match(out, /# skipped 1/, out);
  assert.match(out, /# SKIP .*PE_EDGE_E2E_ENGINE_RESTART=1/, out);
  assert.ok(Date.now() - started < 30_000, 'skipped at once, before any engine work');
});
