import { compareRoutes } from '../rules/priority.js';
import type { ConnData } from './conn-data.js';
import type { CompiledTcpRule } from './tcp-rule.js';

export interface TcpRoute<T> {
  readonly name: string;
  readonly priority: number;
  /** The router's provider's place in `providers.precedence` (rules/priority.ts); breaks ties of priority. */
  readonly providerRank?: number;
  readonly rule: CompiledTcpRule;
  readonly value: T;
}

/** The routes of one kind on one entrypoint, highest priority first (Traefik's tcp Muxer). */
export class TcpRouteTable<T> {
  private readonly routes: readonly TcpRoute<T>[];

  constructor(routes: readonly TcpRoute<T>[]) {
    this.routes = [...routes].sort(compareRoutes);
  }

  get size(): number {
    return this.routes.length;
  }

  /** The first route whose rule matches, and whether it is the catch-all `HostSNI(`*`)`. */
  match(meta: ConnData): TcpRoute<T> | null {
    for (const route of this.routes) if (route.rule.match(meta)) return route;
    return null;
  }
}
