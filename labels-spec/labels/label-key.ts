// Splitting a label key into segments the way paerser does: `.` separates, `name[3]` is an index.

export type Segment = string | number;

export type SplitResult = { ok: true; segments: Segment[] } | { ok: false; reason: string };

const INDEXED = /^(.+)\[(\d+)\]$/;
/**
 * Names that would reach an object's prototype when a decoded path is written into plain objects
 * (`services.__proto__.loadbalancer.server.url` would give every object in the process a `url`): refused here,
 * for every label of every container, before anything is written.
 */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export function splitLabelKey(key: string): SplitResult {
  const segments: Segment[] = [];
  for (const part of key.split('.')) {
    if (part === '') return { ok: false, reason: 'empty segment (two dots in a row, or a trailing dot)' };
    if (part.startsWith('[')) return { ok: false, reason: `invalid leading "[" in "${part}" (a bracket indexes a list, as in domains[0])` };
    const name = INDEXED.exec(part)?.[1] ?? part;
    if (RESERVED.has(name.toLowerCase())) return { ok: false, reason: `"${name}" cannot be a name in a label (it is reserved in JavaScript objects)` };
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
