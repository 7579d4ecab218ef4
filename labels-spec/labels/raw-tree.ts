// Turns resolved label entries into the nested object YAML would give: indexed list entries
// are packed in index order, sections set to true become `{}`.
import { isPlainObject } from '../schema/strict-object.js';
import { pathKey, type Segment } from './label-key.js';

export interface RawEntry {
  label: string;
  path: Segment[];
  /** A string value, or `{}` for a section enabled with `=true`. */
  value: string | Record<string, never>;
}

/** Renumbers list indexes so `domains[0]`, `domains[3]` become positions 0 and 1. */
export function packIndexes(entries: readonly RawEntry[]): RawEntry[] {
  const seen = new Map<string, Set<number>>();
  for (const { path } of entries) {
    path.forEach((seg, i) => {
      if (typeof seg !== 'number') return;
      const key = pathKey(path.slice(0, i));
      const set = seen.get(key) ?? new Set<number>();
      set.add(seg);
      seen.set(key, set);
    });
  }
  const rank = new Map<string, Map<number, number>>();
  for (const [key, set] of seen) rank.set(key, new Map([...set].sort((a, b) => a - b).map((n, i) => [n, i])));
  return entries.map((e) => ({
    ...e,
    path: e.path.map((seg, i) => (typeof seg === 'number' ? (rank.get(pathKey(e.path.slice(0, i)))?.get(seg) ?? seg) : seg)),
  }));
}

type Container = Record<string, unknown> | unknown[];

function child(parent: Container, seg: Segment, next: Segment): Container | undefined {
  const current = (parent as Record<string | number, unknown>)[seg];
  if (current === undefined) {
    const created: Container = typeof next === 'number' ? [] : {};
    (parent as Record<string | number, unknown>)[seg] = created;
    return created;
  }
  return isPlainObject(current) || Array.isArray(current) ? current : undefined;
}

/** Sets `value` at `path` in `root`; false when a value already sits where a section must go. */
export function setAt(root: Record<string, unknown>, path: readonly Segment[], value: RawEntry['value']): boolean {
  let node: Container = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = child(node, path[i] as Segment, path[i + 1] as Segment);
    if (next === undefined) return false;
    node = next;
  }
  const last = path[path.length - 1] as Segment;
  const target = node as Record<string | number, unknown>;
  if (typeof value === 'string') {
    if (target[last] !== undefined) return false;
    target[last] = value;
  } else if (target[last] === undefined) target[last] = {};
  else if (!isPlainObject(target[last])) return false;
  return true;
}
