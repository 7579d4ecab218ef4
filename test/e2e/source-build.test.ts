// The README's image build from source, the offline way: the repository's Dockerfile with the legacy builder (no
// BuildKit), a local base image (no Docker registry), and npm reaching its registry through this machine's
// TLS-intercepting proxy with the proxy's CA passed as the NPM_CA build argument. The CA must help `npm ci` and
// then be nowhere in the final image: not in its history, its environment or its files.
//
// Runs by default, in CI too: 70-100 s here (npm ci and tsc inside the build), always cold in practice, since
// build-images.sh prunes the dangling layers of images made from the local base, this build's cache included; CI
// has the time (about 15 of its 90 minutes used). It needs the npm registry; without it the test is skipped loudly,
// except in CI, where it fails.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { repoRoot } from '../support/cli-process.js';
import { IMAGES, docker, ensureImages, requireDocker, runCommand } from './support/docker-env.js';
import { NPM_REGISTRY_HOST, registryRootCa } from './support/registry-ca.js';

/** Our own tag: never pe-edge:local, which the other end-to-end tests run. */
const IMAGE = 'pe-edge-source-build:test';

const inCi = (): boolean => process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** The CA for NPM_CA, or undefined after a loud skip (a throw in CI) when the registry cannot be reached. */
async function npmCa(t: TestContext): Promise<string | undefined> {
  try {
    return await registryRootCa();
  } catch (err) {
    const why = `the source build runs npm ci and ${NPM_REGISTRY_HOST} is unreachable (${(err as Error).message})`;
    if (inCi()) throw new Error(`CI is set: ${why}`);
    console.warn(`SKIPPED "${t.name}": ${why}`);
    t.skip(why);
    return undefined;
  }
}

/** Whether the image's exported file system holds `needle` anywhere (the tar stream, scanned as it comes). */
async function filesContain(image: string, needle: string): Promise<boolean> {
  const id = await docker(['create', image]);
  try {
    return await new Promise<boolean>((resolve, reject) => {
      const child = spawn('docker', ['export', id], { stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      let found = false;
      child.stdout.setEncoding('latin1').on('data', (chunk: string) => {
        const text = tail + chunk;
        if (text.includes(needle)) found = true;
        // Keep enough to find a needle cut in two by chunk boundaries.
        tail = text.slice(-needle.length);
      });
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(found) : reject(new Error(`docker export ${id} exited ${code}`))));
    });
  } finally {
    await runCommand('docker', ['rm', '-f', id], { timeoutMs: 60_000 });
  }
}

test('source build from a local base behind a TLS-intercepting proxy: NPM_CA helps npm ci and stays out of the image', { timeout: 15 * 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const ca = await npmCa(t);
  if (ca === undefined) return;
  // Read only: made by build-images.sh (CI runs it first); built here only when missing.
  if ((await runCommand('docker', ['image', 'inspect', IMAGES.base], { timeoutMs: 30_000 })).code !== 0) await ensureImages();
  t.after(() => runCommand('docker', ['rmi', IMAGE], { timeoutMs: 60_000 }));

  const t0 = Date.now();
  // The README's offline command as written: plain `docker build` (here the legacy builder: this client has no buildx).
  const build = await runCommand('docker', ['build', '--force-rm', '--build-arg', `BASE=${IMAGES.base}`, '--build-arg', `NPM_CA=${ca}`, '-t', IMAGE, '.'], {
    cwd: repoRoot(),
    timeoutMs: 14 * 60_000,
  });
  assert.equal(build.code, 0, `docker build failed:\n${build.stdout.slice(-3000)}\n${build.stderr.slice(-3000)}`);
  t.diagnostic(`source build in ${Math.round((Date.now() - t0) / 1000)} s`);

  const version = await runCommand('docker', ['run', '--rm', '--network', 'none', IMAGE, 'version'], { timeoutMs: 60_000 });
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /Version:\s+\d+\.\d+\.\d+/);

  const history = await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', IMAGE]);
  assert.doesNotMatch(history, /NPM_CA|BEGIN CERTIFICATE/, 'the final image history names no CA');
  const env = await docker(['image', 'inspect', '--format', '{{json .Config.Env}}', IMAGE]);
  assert.doesNotMatch(env, /NPM_CA|NODE_EXTRA_CA_CERTS/);
  // A full 64-character line of the certificate's base64: it appears in no other file by chance.
  const line = ca.split('\n').find((l) => l.length === 64);
  assert.ok(line !== undefined);
  assert.equal(await filesContain(IMAGE, line), false, 'no file of the final image holds the CA');
});
