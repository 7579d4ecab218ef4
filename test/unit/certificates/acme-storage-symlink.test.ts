import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcmeStorage } from '../../../operator/certificates/acme-storage.js';

// Review finding: an acme.json that is a symlink (a persistent volume, a Kubernetes-style ..data link) is READ
// through the link, but a save renames a temp file over the link itself: the link becomes a regular file in the
// link's directory, and the file it pointed to never receives the new account or certificates (lost at the next
// restart or container recreation, then ordered again). Traefik writes through the link (os.WriteFile).

test('acme.json as a symlink: a save updates the file the link points to, and the link stays a link', async (t) => {
  const linkDir = mkdtempSync(join(tmpdir(), 'acme-link-'));
  const realDir = mkdtempSync(join(tmpdir(), 'acme-real-'));
  t.after(() => {
    rmSync(linkDir, { recursive: true, force: true });
    rmSync(realDir, { recursive: true, force: true });
  });
  const real = join(realDir, 'acme.json');
  writeFileSync(real, '');
  chmodSync(real, 0o600);
  const link = join(linkDir, 'acme.json');
  symlinkSync(real, link);
  const storage = new AcmeStorage(link);
  assert.deepEqual(await storage.load('le'), { account: null, certificates: [] });
  await storage.save('le', { account: null, certificates: [] });
  assert.equal(lstatSync(link).isSymbolicLink(), true, 'the symlink was replaced by a regular file');
  assert.match(readFileSync(real, 'utf8'), /"le"/, 'the file the link points to did not get the saved entry');
  // Whatever is read next comes from the same file that was written.
  assert.equal(readFileSync(link, 'utf8'), readFileSync(real, 'utf8'));
});
