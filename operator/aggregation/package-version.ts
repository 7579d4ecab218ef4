import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** pe-edge's own version (package.json), found by walking up from this module (source or compiled). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  for (let up = '../'; up.length <= 5 * 3; up += '../') {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (typeof pkg.version === 'string' && pkg.name !== undefined) {
        cached = pkg.version;
        break;
      }
    } catch {
      // not here: one level up
    }
  }
  return cached;
}
