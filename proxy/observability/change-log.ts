import type { ItemKind, ItemStatus } from '../runtime/status.js';

/** A configuration problem that belongs to no built item (a label typo leaves its container out, a file key typo its item). */
export interface ConfigProblem {
  /** `file`, `docker`, ... */
  provider: string;
  severity: 'error' | 'warning';
  message: string;
  /** The container it came from (Docker). */
  container?: string;
}

/** An HTTP item's kind, or a TCP/UDP one's with its protocol (an HTTP and a TCP router may share a name). */
export type ChangeKind = ItemKind | `TCP ${ItemKind}` | 'UDP router' | 'UDP service';

export interface ChangedItem {
  kind: ChangeKind;
  name: string;
}

/** An item of an applied runtime, as the log compares it: its status and errors. */
export type LoggedItem = Omit<ItemStatus, 'kind'> & { kind: ChangeKind };

export interface FailedItem extends ChangedItem {
  errors: string[];
}

/** What one applied configuration changed, against the one before it. */
export interface ConfigChange {
  /** RFC 3339. */
  at: string;
  /** What caused it: `file`, `docker start 3f2a1b0c9d8e`, `acme le.acme`, ... */
  cause: string;
  /** The container of a Docker event, when known. */
  container?: string;
  added: ChangedItem[];
  removed: ChangedItem[];
  /** Items that are disabled or warned about now and were not (or with other errors) before. */
  failed: FailedItem[];
  /** Items that had errors before and have none now. */
  recovered: ChangedItem[];
  /** Provider-level problems that are new in this configuration. */
  problems: ConfigProblem[];
}

export interface ChangeLogOptions {
  /** Entries kept, newest first (default 100). */
  limit?: number;
  now?: () => number;
}

interface Seen {
  kind: ChangeKind;
  name: string;
  /** '' when enabled; else the status and errors, so a changed error counts as a new failure. */
  trouble: string;
  errors: string[];
}

const problemKey = (p: ConfigProblem): string => `${p.provider}\0${p.container ?? ''}\0${p.severity}\0${p.message}`;

/**
 * The last configuration changes for the dashboard: the names of routers, services and middlewares added,
 * removed, newly failing or recovered between two applied runtimes, with their cause. A bounded list;
 * an applied configuration that changed nothing is not kept.
 */
export class ChangeLog {
  private readonly limit: number;
  private readonly now: () => number;
  private readonly list: ConfigChange[] = [];
  private previous: Map<string, Seen> | null = null;
  private previousProblems = new Set<string>();
  private current: ConfigProblem[] = [];

  constructor(options: ChangeLogOptions = {}) {
    this.limit = options.limit ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** A runtime was applied: `items` are its items (RuntimeStatus, TCP's and UDP's too), `problems` what its providers reported. */
  applied(items: readonly LoggedItem[], cause: { cause: string; container?: string }, problems: readonly ConfigProblem[] = []): ConfigChange | null {
    const next = new Map<string, Seen>();
    for (const item of items) {
      const trouble = item.status === 'enabled' ? '' : `${item.status}\0${item.errors.join('\0')}`;
      next.set(`${item.kind} ${item.name}`, { kind: item.kind, name: item.name, trouble, errors: [...item.errors] });
    }
    const before = this.previous ?? new Map<string, Seen>();
    const change: ConfigChange = {
      at: new Date(this.now()).toISOString(),
      cause: cause.cause,
      ...(cause.container !== undefined ? { container: cause.container } : {}),
      added: [],
      removed: [],
      failed: [],
      recovered: [],
      problems: [],
    };
    for (const [key, item] of next) {
      const old = before.get(key);
      if (old === undefined) change.added.push({ kind: item.kind, name: item.name });
      if (item.trouble !== '' && item.trouble !== old?.trouble) change.failed.push({ kind: item.kind, name: item.name, errors: item.errors });
      if (item.trouble === '' && old !== undefined && old.trouble !== '') change.recovered.push({ kind: item.kind, name: item.name });
    }
    for (const [key, old] of before) if (!next.has(key)) change.removed.push({ kind: old.kind, name: old.name });
    const problemKeys = new Set<string>();
    for (const p of problems) {
      const key = problemKey(p);
      if (problemKeys.has(key)) continue;
      problemKeys.add(key);
      if (!this.previousProblems.has(key)) change.problems.push(p);
    }
    this.previous = next;
    this.previousProblems = problemKeys;
    this.current = [...problems];
    const empty = change.added.length + change.removed.length + change.failed.length + change.recovered.length + change.problems.length === 0;
    if (empty) return null;
    this.list.unshift(change);
    if (this.list.length > this.limit) this.list.length = this.limit;
    return change;
  }

  /** Newest first. */
  entries(): readonly ConfigChange[] {
    return this.list;
  }

  /** The providers' problems of the configuration applied last. */
  problems(): readonly ConfigProblem[] {
    return this.current;
  }
}
