/** Per-item state as Traefik's API shows it: how users find out why something does not route. */
export type ItemKind = 'router' | 'service' | 'middleware';
export type ItemState = 'enabled' | 'warning' | 'disabled';

/** An item as the API, the logs and the build read it: only RuntimeStatus writes it. */
export interface ItemStatus {
  readonly kind: ItemKind;
  readonly name: string;
  readonly status: ItemState;
  readonly errors: readonly string[];
  /** Routers using this service or middleware. */
  readonly usedBy: readonly string[];
  /** Entrypoints a router is attached to (Traefik's `using`). */
  readonly using: readonly string[];
}

/** Shared by every item with nothing in a list; frozen so that a write anywhere but here fails loudly. */
const NONE: readonly string[] = Object.freeze([]);

/**
 * An item while a build fills it. Its lists show NONE until they hold something; then `errors` and `usedBy` show
 * the arrays kept here with the type that lets this class add to them.
 */
interface Entry extends ItemStatus {
  status: ItemState;
  errors: readonly string[];
  usedBy: readonly string[];
  using: readonly string[];
  ownErrors: string[] | null;
  ownUsedBy: string[] | null;
}

export class RuntimeStatus {
  // One map per kind, keyed by the name itself (configuration keys, hashed once): a build declares an item
  // per router, service and middleware, tens of thousands of them at scale. `order` keeps declaration order.
  private readonly items: Record<ItemKind, Map<string, Entry>> = { router: new Map(), service: new Map(), middleware: new Map() };
  private readonly order: Entry[] = [];
  /** Entrypoint lists, shared between the routers that use the same one. */
  private readonly usingLists = new Map<string, readonly string[]>();

  private entry(kind: ItemKind, name: string): Entry {
    const items = this.items[kind];
    let item = items.get(name);
    if (item === undefined) {
      item = { kind, name, status: 'enabled', errors: NONE, usedBy: NONE, using: NONE, ownErrors: null, ownUsedBy: null };
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
    if (item.ownErrors === null) item.errors = item.ownErrors = [message];
    else if (!item.ownErrors.includes(message)) item.ownErrors.push(message);
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
    if (item.ownUsedBy === null) item.usedBy = item.ownUsedBy = [router];
    else if (!item.ownUsedBy.includes(router)) item.ownUsedBy.push(router);
  }

  setUsing(name: string, entryPoints: readonly string[]): void {
    const key = entryPoints.join('\u0000');
    let list = this.usingLists.get(key);
    if (list === undefined) this.usingLists.set(key, (list = entryPoints.length === 0 ? NONE : Object.freeze([...entryPoints])));
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
