/** Per-item state as Traefik's API shows it: how users find out why something does not route. */
export type ItemKind = 'router' | 'service' | 'middleware';
export type ItemState = 'enabled' | 'warning' | 'disabled';

export interface ItemStatus {
  kind: ItemKind;
  name: string;
  status: ItemState;
  errors: string[];
  /** Routers using this service or middleware. */
  usedBy: string[];
  /** Entrypoints a router is attached to (Traefik's `using`). */
  using: string[];
}

export class RuntimeStatus {
  private readonly items = new Map<string, ItemStatus>();

  private entry(kind: ItemKind, name: string): ItemStatus {
    const key = `${kind} ${name}`;
    let item = this.items.get(key);
    if (item === undefined) {
      item = { kind, name, status: 'enabled', errors: [], usedBy: [], using: [] };
      this.items.set(key, item);
    }
    return item;
  }

  declare(kind: ItemKind, name: string): void {
    this.entry(kind, name);
  }

  /** A critical error disables the item; a non-critical one marks it 'warning'. Messages are deduplicated. */
  addError(kind: ItemKind, name: string, message: string, critical: boolean): void {
    const item = this.entry(kind, name);
    if (!item.errors.includes(message)) item.errors.push(message);
    if (critical) item.status = 'disabled';
    else if (item.status === 'enabled') item.status = 'warning';
  }

  addUsedBy(kind: ItemKind, name: string, router: string): void {
    const item = this.entry(kind, name);
    if (!item.usedBy.includes(router)) item.usedBy.push(router);
  }

  setUsing(name: string, entryPoints: readonly string[]): void {
    this.entry('router', name).using = [...entryPoints];
  }

  get(kind: ItemKind, name: string): ItemStatus | undefined {
    return this.items.get(`${kind} ${name}`);
  }

  all(): ItemStatus[] {
    return [...this.items.values()];
  }

  /** One line per problem, for logs: `router "web@file": rule column 3: ...`. */
  problems(): { level: 'error' | 'warn'; kind: ItemKind; name: string; message: string }[] {
    const out: { level: 'error' | 'warn'; kind: ItemKind; name: string; message: string }[] = [];
    for (const item of this.items.values()) {
      for (const message of item.errors) {
        out.push({ level: item.status === 'disabled' ? 'error' : 'warn', kind: item.kind, name: item.name, message });
      }
    }
    return out;
  }
}
