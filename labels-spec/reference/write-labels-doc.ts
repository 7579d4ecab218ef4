// Writes labels-spec/LABELS.md (run after a build: node dist/labels-spec/reference/write-labels-doc.js).
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLabelsDoc } from './generate-labels-doc.js';

function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

const target = join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'labels-spec', 'LABELS.md');
writeFileSync(target, generateLabelsDoc());
console.log(`wrote ${target}`);
