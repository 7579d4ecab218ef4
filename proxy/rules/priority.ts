/** Router priority as Traefik computes it: an explicit value, else the rule's length in UTF-8 bytes. */
export function rulePriority(rule: string, priority?: number | null): number {
  return priority === undefined || priority === null || priority === 0 ? Buffer.byteLength(rule, 'utf8') : priority;
}

export interface Prioritized {
  readonly name: string;
  readonly priority: number;
}

/**
 * Higher priority first. Traefik leaves ties in map order; we break them by name so every
 * rebuild (and every replica) dispatches the same way.
 */
export function compareRoutes(a: Prioritized, b: Prioritized): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
