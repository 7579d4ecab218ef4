import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSearchDirs, findConfigFile } from '../../../operator/static-config/find-config-file.js';

describe('findConfigFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'pe-find-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  const cases: { desc: string; files: string[]; dirs: string[]; expect: string | undefined }[] = [
    { desc: 'nothing found', files: [], dirs: ['a', 'b'], expect: undefined },
    { desc: 'toml before yaml before yml', files: ['a/traefik.yml', 'a/traefik.yaml', 'a/traefik.toml'], dirs: ['a'], expect: 'a/traefik.toml' },
    { desc: 'yaml before yml', files: ['a/traefik.yml', 'a/traefik.yaml'], dirs: ['a'], expect: 'a/traefik.yaml' },
    { desc: 'earlier directory wins over a better extension', files: ['a/traefik.yml', 'b/traefik.toml'], dirs: ['a', 'b'], expect: 'a/traefik.yml' },
    { desc: 'later directory when the first is empty', files: ['b/traefik.yml'], dirs: ['a', 'b'], expect: 'b/traefik.yml' },
    { desc: 'a directory named like the file is skipped', files: ['a/traefik.toml/x', 'a/traefik.yml'], dirs: ['a'], expect: 'a/traefik.yml' },
    { desc: 'other names ignored', files: ['a/traefik.json', 'a/Traefik.yml'], dirs: ['a'], expect: undefined },
  ];
  cases.forEach((c, i) => {
    it(c.desc, async () => {
      const base = join(root, String(i));
      for (const f of c.files) {
        mkdirSync(join(base, f, '..'), { recursive: true });
        writeFileSync(join(base, f), '');
      }
      const found = await findConfigFile(c.dirs.map((d) => join(base, d)));
      assert.equal(found, c.expect === undefined ? undefined : join(base, c.expect));
    });
  });

  it('searches /etc/traefik, XDG_CONFIG_HOME, HOME/.config, then the working directory', () => {
    assert.deepEqual(configSearchDirs({ XDG_CONFIG_HOME: '/x', HOME: '/home/u' }, '/w'), ['/etc/traefik', '/x', '/home/u/.config', '/w']);
    assert.deepEqual(configSearchDirs({}, '/w'), ['/etc/traefik', '/w']);
  });
});
