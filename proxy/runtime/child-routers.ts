import type { Handler } from '../http/request-context.js';
import { sendNotFound } from '../http/traefik-responses.js';
import type { CompiledRule } from '../rules/compile.js';
import { createRouterTable, type RouteDefinition } from '../routing/router-table.js';
import type { RouterTree } from './router-tree.js';
import type { RuntimeStatus } from './status.js';

/** A child router built for its parents: its rule, priority and chain (its own middlewares, then service or children). */
export interface ChildRoute {
  readonly rule: CompiledRule;
  readonly priority: number;
  readonly handler: Handler;
}

/**
 * The muxers of parent routers (Traefik's buildChildRoutersMuxer): a parent's middlewares end in a handler that
 * matches the request, as they left it, against its children's rules, highest priority first, and answers 404
 * when none matches. A child in error is left out; a parent none of whose children could be added is an error.
 * Each child is built once, whichever parents share it (Traefik caches router handlers by name).
 */
export class ChildRouters {
  private readonly muxers = new Map<string, Handler | Error>();
  private readonly children = new Map<string, ChildRoute | null>();

  constructor(
    private readonly tree: RouterTree,
    private readonly status: RuntimeStatus,
    /** Builds one child, or reports its error on it and returns null. */
    private readonly buildChild: (name: string) => ChildRoute | null,
  ) {}

  isParent(name: string): boolean {
    return (this.tree.childrenOf.get(name)?.length ?? 0) > 0;
  }

  muxer(parent: string): Handler | Error {
    let muxer = this.muxers.get(parent);
    if (muxer === undefined) this.muxers.set(parent, (muxer = this.build(parent)));
    return muxer;
  }

  private build(parent: string): Handler | Error {
    const names = this.tree.childrenOf.get(parent) ?? [];
    const routes: RouteDefinition<{ name: string; handler: Handler }>[] = [];
    for (const name of names) {
      // Traefik skips a child with any error, a warning included (a child that closed a cycle).
      if ((this.status.get('router', name)?.errors.length ?? 0) > 0) continue;
      let child = this.children.get(name);
      if (child === undefined) this.children.set(name, (child = this.buildChild(name)));
      if (child !== null) routes.push({ name, priority: child.priority, rule: child.rule, value: { name, handler: child.handler } });
    }
    if (routes.length === 0) return new Error(`building child routers muxer: no child routers could be added to muxer (${names.length} skipped)`);
    const table = createRouterTable(routes);
    return (ctx) => {
      const child = table.find(ctx);
      if (child === undefined) {
        sendNotFound(ctx);
        return;
      }
      // Access logs and metrics name the router that chose the service.
      ctx.routerName = child.name;
      child.handler(ctx);
    };
  }
}
