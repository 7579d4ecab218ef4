// The image the README's build commands tag is the one the generated and shipped compose files run: a user who
// follows the README gets an `up` that finds its image, instead of a pull of `pe-edge` from Docker Hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { TOPOLOGY_DEFAULTS } from '../../../compose/index.js';

// dist-*/test/unit/compose -> repository root
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');

/** `name` as Docker stores a tag given without one. */
const withTag = (name: string): string => (/:[^/]+$/.test(name) ? name : `${name}:latest`);

/** The `-t` value of every `docker build` command line of the README (continuation lines joined). */
function documentedBuildTags(readme: string): string[] {
  const lines = readme.replace(/\\\n\s*/g, ' ').split('\n');
  return lines
    .filter((l) => /^\s*docker build\b/.test(l))
    .map((l) => /\s-t\s+(\S+)/.exec(l)?.[1] ?? `no -t in: ${l.trim()}`);
}

test("the README's image builds tag what the compose files run (pe-edge:latest)", async () => {
  const tags = documentedBuildTags(await readFile(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(tags.length >= 3, `expected the online, offline and proxy builds in the README, found ${tags.length}`);
  for (const tag of tags) assert.equal(withTag(tag), TOPOLOGY_DEFAULTS.edgeImage, `README builds ${tag}`);
  for (const file of ['docker-compose.prod.yml', 'docker-compose.dev.yml']) {
    const doc = parse(await readFile(join(ROOT, file), 'utf8')) as { services: Record<string, { image?: string }> };
    assert.equal(doc.services['pe-edge']?.image, TOPOLOGY_DEFAULTS.edgeImage, file);
  }
});
