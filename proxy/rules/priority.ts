/** Router priority as Traefik computes it: an explicit value, else the rule's length in UTF-8 bytes. */
export function rulePriority(rule: string, priority?: number | null): number {
  return priority === undefined || priority === null || priority === 0 ? Buffer.byteLength(rule, 'utf8') : priority;
}

export interface Prioritized {
  readonly name: string;
  readonly priority: number;
  /** Where the router's provider stands in `providers.precedence`: higher wins a tie of priorities; -1 (default): unlisted. */
  readonly providerRank?: number;
}

/**
 * Higher priority first; a tie goes to the provider listed earlier in `providers.precedence` (Traefik v3.7's muxers).
 * Traefik leaves the remaining ties in map order; we break them by name so every rebuild (and every replica) dispatches
 * the same way.
 */
export function compareRoutes(a: Prioritized, b: Prioritized): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  const rankA = a.providerRank ?? -1;
  const rankB = b.providerRank ?? -1;
  if (rankA !== rankB) return rankA > rankB ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The rank of a qualified router name's provider (`app@docker` → docker) in `precedence`, as Traefik computes it: the
 * list reversed, so the first listed ranks highest; a provider not listed (`internal`) ranks -1.
 */
export function providerRanker(precedence: readonly string[]): (qualifiedName: string) => number {
  const ranks = new Map(precedence.map((provider, i) => [provider, precedence.length - 1 - i]));
  return (qualifiedName) => {
    const at = qualifiedName.lastIndexOf('@');
    return at === -1 ? -1 : ranks.get(qualifiedName.slice(at + 1).toLowerCase()) ?? -1;
  };
}
