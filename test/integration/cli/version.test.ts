// `pe-edge version` / `--version`: what `traefik version` answers, so the seed's `docker exec … traefik version` works.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot, runCli, TempConfigDir } from '../../support/cli-process.js';

describe('pe-edge version', () => {
  const dir = new TempConfigDir();
  after(() => dir.remove());
  const expected = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;

  for (const args of [['version'], ['--version']]) {
    it(`\`pe-edge ${args.join(' ')}\` prints package.json's version in Traefik's layout and exits 0`, async () => {
      const res = await runCli(args, { cwd: dir.path });
      assert.equal(res.code, 0, res.stderr.join('\n'));
      assert.deepEqual(res.stderr, []);
      assert.equal(res.stdout[0], `Version:      ${expected}`);
      assert.equal(res.stdout[1], 'Codename:     pe-edge');
      assert.match(res.stdout.join('\n'), /^OS\/Arch: +\w+\/\w+$/m);
    });
  }
});
