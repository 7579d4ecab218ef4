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

/** Shared by every item with nothing in a list; frozen so that a write anywhere but here fails loudly. */
const NONE: string[] = Object.freeze([]) as unknown as string[];

export class RuntimeStatus {
  // One map per kind, keyed by the name itself (configuration keys, hashed once): a build declares an item
  // per router, service and middleware, tens of thousands of them at scale. `order` keeps declaration order.
  private readonly items: Record<ItemKind, Map<string, ItemStatus>> = { router: new Map(), service: new Map(), middleware: new Map() };
  private readonly order: ItemStatus[] = [];
  /** Entrypoint lists, shared between the routers that use the same one. */
  private readonly usingLists = new Map<string, string[]>();

  private entry(kind: ItemKind, name: string): ItemStatus {
    const items = this.items[kind];
    let item = items.get(name);
    if (item === undefined) {
      item = { kind, name, status: 'enabled', errors: NONE, usedBy: NONE, using: NONE };
      items.set(name, item);
      this.order.push(item);
    }
    return item;
  }

  declare(kind: ItemKind, name: string): void {
    this.entry(kind, name);
  }

  /** A critical error disables the item; a non-critical one marks it 'warning'. Messages are deduplicated. */
  addError(kind: ItemKind, name: string, message: string, critical: boolean): void {
    const item = this.entry(kind, name);
    if (item.errors === NONE) item.errors = [message];
    else if (!item.errors.includes(message)) item.errors.push(message);
    if (critical) item.status = 'disabled';
    else if (item.status === 'enabled') item.status = 'warning';
  }

  /**
   * Links a router to an item declared before. A name nothing declares (a typo'd middleware) gets no entry: the
   * router carries the error, and no phantom item is listed (Traefik's PopulateUsedBy skips it too).
   */
  addUsedBy(kind: ItemKind, name: string, router: string): void {
    const item = this.items[kind].get(name);
    if (item === undefined) return;
    if (item.usedBy === NONE) item.usedBy = [router];
    else if (!item.usedBy.includes(router)) item.usedBy.push(router);
  }

  setUsing(name: string, entryPoints: readonly string[]): void {
    const key = entryPoints.join('\u0000');
    let list = this.usingLists.get(key);
    if (list === undefined) this.usingLists.set(key, (list = entryPoints.length === 0 ? NONE : Object.freeze([...entryPoints]) as string[]));
    this.entry('router', name).using = list;
  }

  get(kind: ItemKind, name: string): ItemStatus | undefined {
    return this.items[kind].get(name);
  }

  all(): ItemStatus[] {
    return [...this.order];
  }

  /** One line per problem, for logs: `router "web@file": rule column 3: ...`. */
  problems(): { level: 'error' | 'warn'; kind: ItemKind; name: string; message: string }[] {
    const out: { level: 'error' | 'warn'; kind: ItemKind; name: string; message: string }[] = [];
    for (const item of this.order) {
      for (const message of item.errors) {
        out.push({ level: item.status === 'disabled' ? 'error' : 'warn', kind: item.kind, name: item.name, message });
      }
    }
    return out;
  }
}
