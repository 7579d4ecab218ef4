// Walks one level of a section by hand so that one bad part never hides the others.
import { closest } from '../suggest.js';
import { dottedPath, invalid, unknownKeyText, type ConfigIssue, type IssuePath } from '../issues.js';
import { isPlainObject } from '../schema/strict-object.js';

/**
 * Splits `raw` into canonical keys. Unknown keys become errors with a suggestion and are
 * skipped; a non-object is one error and yields nothing.
 */
export function readSection<K extends string>(
  raw: unknown,
  keys: readonly K[],
  path: IssuePath,
  issues: ConfigIssue[],
): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  if (raw === null || raw === undefined) return out;
  if (!isPlainObject(raw)) {
    issues.push(invalid(path, `expected an object with keys ${keys.join(', ')}, got ${Array.isArray(raw) ? 'array' : typeof raw}`));
    return out;
  }
  const byLower = new Map<string, K>(keys.map((k) => [k.toLowerCase(), k]));
  for (const [key, value] of Object.entries(raw)) {
    const canonical = byLower.get(key.toLowerCase());
    if (canonical === undefined) {
      const suggestion = closest(key, keys);
      const at = [...path, key];
      issues.push({
        severity: 'error',
        code: 'PE_UNKNOWN_KEY',
        path: at,
        message: `${dottedPath(at)}: ${unknownKeyText(key, suggestion, keys)} (skipped)`,
        ...(suggestion !== undefined ? { suggestion } : {}),
      });
      continue;
    }
    out[canonical] = value;
  }
  return out;
}
