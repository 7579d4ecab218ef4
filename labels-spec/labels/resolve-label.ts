// Walks one label's segments down the label tree: canonical spelling for every schema key,
// names kept as written, and an error with a suggestion at the first segment that fits nowhere.
import { closest } from '../suggest.js';
import { unknownKeyText, type IssueCode } from '../issues.js';
import { parseGoBool } from '../schema/go-bool.js';
import { labelTree, type LabelNode } from './label-tree.js';
import type { Segment } from './label-key.js';

export type Resolved =
  /** A scalar, a comma-separated list, or anything below a loose section. */
  | { kind: 'value'; path: Segment[] }
  /** `...tls=true` enables a section with its defaults; `=false` leaves it out. */
  | { kind: 'section'; path: Segment[]; enabled: boolean }
  | { kind: 'error'; path: Segment[]; code: IssueCode; text: string; suggestion?: string };

export interface NameBook {
  /** The spelling to use for a user-chosen key under `prefix` (first spelling seen wins). */
  nameFor(prefix: readonly Segment[], name: string): string;
}

function canonical(input: string, keys: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  return keys.find((k) => k.toLowerCase() === lower);
}

function fail(path: Segment[], text: string, code: IssueCode = 'PE_UNKNOWN_KEY', suggestion?: string): Resolved {
  return { kind: 'error', path, code, text, ...(suggestion !== undefined ? { suggestion } : {}) };
}

function unknown(parent: Segment[], seg: string, keys: readonly string[], excluded: Readonly<Record<string, string>> | undefined, what?: string): Resolved {
  const path = [...parent, seg];
  const reason = excluded === undefined ? undefined : canonical(seg, Object.keys(excluded));
  if (reason !== undefined) return fail(path, excluded?.[reason] ?? '', 'PE_INVALID_VALUE');
  const suggestion = closest(seg, keys);
  if (what !== undefined) {
    const text = suggestion !== undefined
      ? `unknown ${what} type; did you mean "${suggestion}"?`
      : `unknown ${what} type "${seg}"; valid types are: ${keys.join(', ')}`;
    return fail(path, text, 'PE_UNKNOWN_KEY', suggestion);
  }
  return fail(path, unknownKeyText(seg, suggestion, keys), 'PE_UNKNOWN_KEY', suggestion);
}

function lastName(path: readonly Segment[]): string {
  return String(path[path.length - 1] ?? '');
}

/** Resolves `segments` (the label key without `traefik.`) against the label tree. */
export function resolveLabel(segments: readonly Segment[], value: string, names: NameBook): Resolved {
  let node: LabelNode = labelTree;
  const path: Segment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    if (node.kind === 'loose') return { kind: 'value', path: [...path, ...segments.slice(i)] };
    if (node.kind === 'list') {
      if (typeof seg !== 'number') {
        const name = lastName(path);
        return node.item.kind === 'object'
          ? fail(path, `"${name}" is a list; index it, as in ${name}[0].${seg}`, 'PE_INVALID_VALUE')
          : fail(path, `"${name}" is a comma-separated list; set it with one label (${name}=a,b)`, 'PE_INVALID_VALUE');
      }
      if (node.item.kind !== 'object') {
        return fail(path, `"${lastName(path)}" is a comma-separated list; set it with one label, without [${seg}]`, 'PE_INVALID_VALUE');
      }
      path.push(seg);
      node = node.item;
      continue;
    }
    if (typeof seg === 'number') return fail(path, `"${lastName(path)}" is not a list; remove [${seg}]`, 'PE_INVALID_VALUE');
    if (node.kind === 'scalar') return fail([...path, seg], `"${lastName(path)}" is a value and has no key "${seg}"`);
    if (node.kind === 'map') {
      path.push(names.nameFor(path, seg));
      node = node.value;
      continue;
    }
    if (node.kind === 'oneOf') {
      const field = node.fields === undefined ? undefined : canonical(seg, Object.keys(node.fields));
      if (field !== undefined) {
        path.push(field);
        node = node.fields?.[field]?.node as LabelNode;
        continue;
      }
    }
    const keys = Object.keys(node.kind === 'object' ? node.fields : node.types);
    const key = canonical(seg, keys);
    if (key === undefined) return unknown(path, seg, keys, node.excluded, node.kind === 'oneOf' ? node.what : undefined);
    path.push(key);
    node = node.kind === 'object' ? (node.fields[key]?.node as LabelNode) : (node.types[key] as LabelNode);
  }
  return atEnd(node, path, value);
}

function atEnd(node: LabelNode, path: Segment[], value: string): Resolved {
  const name = lastName(path);
  switch (node.kind) {
    case 'scalar':
    case 'loose':
      return { kind: 'value', path };
    case 'list':
      return node.item.kind === 'object'
        ? fail(path, `"${name}" is a list of sections; set its fields, as in ${name}[0].<field>`, 'PE_INVALID_VALUE')
        : { kind: 'value', path };
    case 'map':
      return fail(path, `"${name}" takes keys below it, as in ${name}.<key>=value`, 'PE_INVALID_VALUE');
    case 'oneOf':
      return fail(path, `${node.what} "${name}" needs a type below it; valid types are: ${Object.keys(node.types).join(', ')}`, 'PE_INVALID_VALUE');
    case 'object': {
      const enabled = parseGoBool(value);
      if (enabled === undefined) {
        return fail(path, `"${name}" is a section: set its fields below it, or true to enable it with defaults (false leaves it out); got ${JSON.stringify(value)}`, 'PE_INVALID_VALUE');
      }
      return { kind: 'section', path, enabled };
    }
  }
}
