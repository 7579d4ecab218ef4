// LABELS.md is generated from the schemas; this fails when someone changes one without the other.
// Regenerate: npm run build && node dist/labels-spec/reference/write-labels-doc.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLabelsDoc } from '../../../../labels-spec/reference/generate-labels-doc.js';
import { decodeLabels } from '../../../../labels-spec/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package.json above the test file');
    dir = parent;
  }
  return dir;
}

test('labels-spec/LABELS.md matches the text generated from the schemas', () => {
  const onDisk = readFileSync(join(repoRoot(), 'labels-spec', 'LABELS.md'), 'utf8');
  assert.equal(onDisk, generateLabelsDoc(), 'LABELS.md is stale: run node dist/labels-spec/reference/write-labels-doc.js after a build');
});

test('every label LABELS.md lists is accepted by the decoder with its example', () => {
  const rows = generateLabelsDoc().split('\n').filter((l) => l.startsWith('| `traefik.'));
  assert.ok(rows.length > 100);
  for (const row of rows) {
    const label = /^\| `([^`]+)`/.exec(row)?.[1] ?? '';
    const unknown = decodeLabels({ [label.replace(/<[a-z]+>/g, 'x')]: 'x' }).issues.filter((i) => i.code === 'PE_UNKNOWN_KEY');
    assert.deepEqual(unknown, [], label);
  }
});
