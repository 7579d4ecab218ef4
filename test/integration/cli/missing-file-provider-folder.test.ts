// A file provider pointed at a folder that does not exist: pe-edge does not start, and says which option
// names which path, instead of node's raw ENOENT.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, runCli, TempConfigDir } from '../../support/cli-process.js';

describe('a file provider folder that does not exist', () => {
  const dir = new TempConfigDir();
  after(() => dir.remove());
  const cases: { desc: string; file: (missing: string) => string[]; option: string }[] = [
    { desc: 'directory, watched', file: (missing) => [`    directory: ${JSON.stringify(missing)}`], option: 'providers.file.directory' },
    { desc: 'directory, not watched', file: (missing) => [`    directory: ${JSON.stringify(missing)}`, '    watch: false'], option: 'providers.file.directory' },
    { desc: 'filename in a missing folder, watched', file: (missing) => [`    filename: ${JSON.stringify(`${missing}/dynamic.yml`)}`], option: 'providers.file.filename' },
  ];
  for (const c of cases) {
    it(`${c.desc}: exits 1 naming ${c.option} and the path, no raw ENOENT`, async () => {
      const missing = dir.file('no-such-folder');
      const yaml = ['entryPoints:', '  web:', `    address: "127.0.0.1:${await freePort()}"`, 'providers:', '  file:', ...c.file(missing), ''].join('\n');
      dir.write('traefik.yml', yaml);
      const r = await runCli(['--configFile=traefik.yml'], { cwd: dir.path });
      const text = [...r.stdout, ...r.stderr].join('\n');
      assert.equal(r.code, 1, text);
      assert.ok(text.includes(`${c.option} "${missing}`), text);
      assert.match(text, /does not exist|no such directory/);
      assert.doesNotMatch(text, /ENOENT/);
    });
  }
});
