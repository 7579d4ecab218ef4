// Traefik's API shows a configuration's durations (dynamic items, entry points) as Go duration strings ("30s", "1m0s"); the validated
// configuration holds milliseconds. The schema says which leaves are durations.
import type { z } from 'zod';
import { formatGoDuration } from '../duration.js';
import { nodeOf, type LabelNode } from '../labels/label-tree.js';
import { entryPointSchema } from '../static/entry-points.js';
import { middlewareRegistry } from './middlewares/registry.js';
import { serviceRegistry } from './services/index.js';
import { tcpServiceRegistry } from './tcp/services.js';

const nodes = new Map<string, LabelNode>();

type DurationKind = 'service' | 'middleware' | 'tcpService';

const REGISTRIES: Readonly<Record<DurationKind, Readonly<Record<string, z.ZodTypeAny>>>> = { service: serviceRegistry, middleware: middlewareRegistry, tcpService: tcpServiceRegistry };

function nodeFor(kind: DurationKind, type: string): LabelNode | undefined {
  const key = `${kind}:${type}`;
  let node = nodes.get(key);
  if (node === undefined) {
    const registry = REGISTRIES[kind];
    const schema = Object.hasOwn(registry, type) ? registry[type] : undefined;
    if (schema === undefined) return undefined;
    node = nodeOf(schema);
    nodes.set(key, node);
  }
  return node;
}

/** A service's or middleware's options (the value under its type key) with every duration as Go spells it. */
export function withGoDurations(kind: DurationKind, type: string, value: unknown): unknown {
  const node = nodeFor(kind, type);
  return node === undefined ? value : convert(node, value);
}

let entryPointNode: LabelNode | undefined;

/** An entry point as the API shows it (transport.respondingTimeouts, lifeCycle) with Go duration strings. */
export function entryPointWithGoDurations(value: unknown): unknown {
  entryPointNode ??= nodeOf(entryPointSchema);
  return convert(entryPointNode, value);
}

function convert(node: LabelNode, value: unknown): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.type === 'duration' && typeof value === 'number' ? formatGoDuration(value) : value;
    case 'list':
      return Array.isArray(value) ? value.map((v: unknown) => convert(node.item, v)) : value;
    case 'object': {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const field = Object.hasOwn(node.fields, k) ? node.fields[k] : undefined;
        out[k] = field === undefined ? v : convert(field.node, v);
      }
      return out;
    }
    case 'map': {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = convert(node.value, v);
      return out;
    }
    default:
      return value;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
