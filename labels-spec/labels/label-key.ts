// Splitting a label key into segments the way paerser does: `.` separates, `name[3]` is an index.

export type Segment = string | number;

export type SplitResult = { ok: true; segments: Segment[] } | { ok: false; reason: string };

const INDEXED = /^(.+)\[(\d+)\]$/;

export function splitLabelKey(key: string): SplitResult {
  const segments: Segment[] = [];
  for (const part of key.split('.')) {
    if (part === '') return { ok: false, reason: 'empty segment (two dots in a row, or a trailing dot)' };
    if (part.startsWith('[')) return { ok: false, reason: `invalid leading "[" in "${part}" (a bracket indexes a list, as in domains[0])` };
    const indexed = INDEXED.exec(part);
    if (indexed !== null) segments.push(indexed[1] ?? '', Number(indexed[2]));
    else if (part.includes('[') || part.includes(']')) return { ok: false, reason: `invalid index in "${part}"; write name[0]` };
    else segments.push(part);
  }
  return { ok: true, segments };
}

/** Stable key of a config path, for maps keyed by path. */
export function pathKey(path: readonly Segment[]): string {
  return JSON.stringify(path);
}
