import type { RouterConfig } from './build-input.js';
import { qualify } from './qualified-name.js';
import type { RuntimeStatus } from './status.js';

/**
 * Multi-layer routing (Traefik v3.6 `parentRefs`), checked as Traefik's ParseRouterTree does it: the children
 * of every parent, cycles cut (a warning on the router that closes one), and the errors that disable a router
 * — a missing parent, a child with its own tls, observability or entryPoints, a router no root reaches, one with
 * neither service nor children, one with both.
 */
export interface RouterTree {
  /** Routers with `parentRefs`: they have no route of their own, their parents' children muxers match them. */
  readonly childRouters: ReadonlySet<string>;
  /** Each parent's children, by name (the muxer orders them by priority). */
  readonly childrenOf: ReadonlyMap<string, readonly string[]>;
}

export function parseRouterTree(routers: Readonly<Record<string, RouterConfig>>, status: RuntimeStatus): RouterTree {
  const childRouters = new Set<string>();
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const [name, router] of Object.entries(routers)) {
    const refs = router.parentRefs ?? [];
    if (refs.length === 0) {
      roots.push(name);
      continue;
    }
    childRouters.add(name);
    for (const ref of refs) {
      const parent = qualify(ref, name);
      if (routers[parent] === undefined) {
        status.addError('router', name, `parent router "${parent}" does not exist`, true);
        continue;
      }
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [name]);
      else if (!list.includes(name)) list.push(name);
    }
    // One error each, in Traefik's order: what only a root router may have.
    if (router.tls != null) status.addError('router', name, 'non-root router cannot have TLS configuration', true);
    else if (router.observability != null) status.addError('router', name, 'non-root router cannot have Observability configuration', true);
    else if ((router.entryPoints?.length ?? 0) > 0) status.addError('router', name, 'non-root router cannot have Entrypoints configuration', true);
  }

  const visited = new Set<string>();
  const onPath = new Set<string>();
  const traverse = (name: string, path: readonly string[]): void => {
    if (onPath.has(name)) {
      cutCycle(name, path, children, status);
      return;
    }
    if (visited.has(name)) return;
    visited.add(name);
    onPath.add(name);
    for (const child of [...(children.get(name) ?? [])].sort()) traverse(child, [...path, name]);
    onPath.delete(name);
  };
  for (const root of roots.sort()) traverse(root, []);

  for (const [name, router] of Object.entries(routers)) {
    const hasService = router.service !== undefined && router.service !== '';
    const hasChildren = (children.get(name)?.length ?? 0) > 0;
    if (!visited.has(name)) status.addError('router', name, 'router is not reachable', true);
    else if (!hasService && !hasChildren) status.addError('router', name, 'router has no service and no child routers', true);
    else if (hasService && hasChildren) status.addError('router', name, 'router has both a service and is referenced as a parent by other routers', true);
  }
  return { childRouters, childrenOf: children };
}

/** `victim` is on the path already: the last router of the path loses it as a child, with a warning naming the cycle. */
function cutCycle(victim: string, path: readonly string[], children: Map<string, string[]>, status: RuntimeStatus): void {
  const start = path.indexOf(victim);
  const guilty = path.at(-1);
  if (start < 0 || guilty === undefined) return;
  status.addError('router', guilty, `cyclic reference detected in router tree: ${[...path.slice(start), victim].join(' -> ')}`, false);
  const list = children.get(guilty);
  const at = list?.indexOf(victim) ?? -1;
  if (list !== undefined && at >= 0) list.splice(at, 1);
}
