import { decodeLabels, type LabelDecodeResult } from '../../../labels-spec/index.js';
import { containerConfig, type ContainerResult, type DockerProviderOptions } from './container-config.js';
import type { ContainerView } from './container-view.js';

export type LabelDecoder = (labels: Readonly<Record<string, string>>) => LabelDecodeResult;

interface Decoded {
  labels: Readonly<Record<string, string>>;
  result: LabelDecodeResult;
}

/**
 * Every container's contribution, with each container's labels decoded once: decoding (the label grammar,
 * zod validation, suggestions) is the costly part, and it depends on the labels alone, which an event rarely
 * changes. A Docker event that touches one container decodes at most that one; the rest reuse what they
 * decoded before. The kept result is never handed out: containerConfig completes a copy of its configuration.
 * Entries of containers that are gone are dropped on the next `results`.
 */
export class ContainerConfigs {
  private readonly decoded = new Map<string, Decoded>();

  constructor(private readonly options: DockerProviderOptions, private readonly decode: LabelDecoder = decodeLabels) {}

  results(containers: Iterable<ContainerView>): ContainerResult[] {
    const out: ContainerResult[] = [];
    const seen = new Set<string>();
    for (const c of containers) {
      seen.add(c.id);
      const result = this.decodedLabels(c);
      out.push(containerConfig(c, this.options, { ...result, config: structuredClone(result.config) }));
    }
    for (const id of this.decoded.keys()) if (!seen.has(id)) this.decoded.delete(id);
    return out;
  }

  /** Containers whose decoded labels are kept. */
  get size(): number {
    return this.decoded.size;
  }

  private decodedLabels(c: ContainerView): LabelDecodeResult {
    const kept = this.decoded.get(c.id);
    if (kept !== undefined && sameLabels(kept.labels, c.labels)) return kept.result;
    const result = this.decode(c.labels);
    this.decoded.set(c.id, { labels: c.labels, result });
    return result;
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
  return true;
}
