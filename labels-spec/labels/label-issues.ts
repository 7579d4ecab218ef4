// Issues about labels: every message starts with the label as written, so a user can grep
// their compose file for it.
import { dottedPath, type ConfigIssue, type IssueCode } from '../issues.js';
import { pathKey, type Segment } from './label-key.js';

export interface LabelIssue extends ConfigIssue {
  /** The label key exactly as written on the container. */
  label?: string;
}

type Item = NonNullable<ConfigIssue['item']>;

const ITEM_KINDS: Readonly<Record<string, Readonly<Record<string, Item['kind']>>>> = {
  http: { routers: 'router', services: 'service', middlewares: 'middleware' },
  tcp: { routers: 'tcpRouter', services: 'tcpService', middlewares: 'tcpMiddleware' },
  udp: { routers: 'udpRouter', services: 'udpService' },
};

/** The router/service/middleware (HTTP, TCP, UDP) or TLS store a config path belongs to. */
export function itemOf(path: readonly Segment[]): Item | undefined {
  const [section, kind, name] = path;
  if (typeof section === 'string' && typeof kind === 'string' && typeof name === 'string') {
    const itemKind = ITEM_KINDS[section]?.[kind];
    if (itemKind !== undefined) return { kind: itemKind, name };
  }
  if (section === 'tls' && kind === 'stores' && name === 'default') return { kind: 'tlsStore', name: 'default' };
  return undefined;
}

export function labelIssue(
  severity: ConfigIssue['severity'],
  code: IssueCode,
  label: string,
  path: readonly Segment[],
  text: string,
  suggestion?: string,
): LabelIssue {
  const item = itemOf(path);
  return {
    severity,
    code,
    path: [...path],
    message: `label "${label}": ${text}`,
    label,
    ...(suggestion !== undefined ? { suggestion } : {}),
    ...(item !== undefined ? { item } : {}),
  };
}

/** Which label produced each config path, to point validation issues back at labels. */
export class LabelIndex {
  private readonly byPath = new Map<string, string>();
  private readonly values = new Map<string, string>();
  /**
   * The first label added at or below each path (every prefix of every label's path): one lookup per issue, where a
   * search of every label per issue made a container's decoding quadratic (20,000 sections with an issue each: 9 s).
   */
  private readonly firstBelow = new Map<string, string>();

  add(path: readonly Segment[], label: string, value?: string): void {
    const key = pathKey(path);
    if (!this.byPath.has(key)) this.byPath.set(key, label);
    if (value !== undefined) this.values.set(label, value);
    for (let n = 1; n <= path.length; n++) {
      const prefix = n === path.length ? key : pathKey(path.slice(0, n));
      if (!this.firstBelow.has(prefix)) this.firstBelow.set(prefix, label);
    }
  }

  /** The label at the longest prefix of `path`, else the first label below `path`. */
  find(path: readonly Segment[]): { label: string; at: readonly Segment[] } | undefined {
    for (let n = path.length; n > 0; n--) {
      const label = this.byPath.get(pathKey(path.slice(0, n)));
      if (label !== undefined) return { label, at: path.slice(0, n) };
    }
    const below = path.length === 0 ? undefined : this.firstBelow.get(pathKey(path));
    return below === undefined ? undefined : { label: below, at: path };
  }

  /** Rewrites a validation issue so its message starts with the label that caused it. */
  attach(issue: ConfigIssue): LabelIssue {
    const found = this.find(issue.path);
    if (found === undefined) return issue;
    const prefix = `${dottedPath(issue.path)}: `;
    let text = issue.message.startsWith(prefix) ? issue.message.slice(prefix.length) : issue.message;
    // zod says "got string"; the label's value says more.
    const value = this.values.get(found.label);
    if (value !== undefined && text.endsWith(', got string')) text = `${text.slice(0, -'string'.length)}${JSON.stringify(value)}`;
    const rest = issue.path.slice(found.at.length);
    if (rest.length > 0) text = `${text} (at ${dottedPath([String(found.at[found.at.length - 1] ?? ''), ...rest])})`;
    return { ...issue, label: found.label, message: `label "${found.label}": ${text}` };
  }
}
