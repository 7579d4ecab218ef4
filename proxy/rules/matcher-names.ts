/**
 * Matcher name spelling: Traefik accepts each name exactly, all-lower, ALL-UPPER and Title-case
 * (`PathPrefix`, `pathprefix`, `PATHPREFIX`, `Pathprefix`), nothing else.
 */
export interface NameResolver {
  /** Canonical name for an accepted spelling, undefined otherwise. */
  resolve(ident: string): string | undefined;
  /** Why `ident` is not a matcher, with the closest valid name. */
  explainUnknown(ident: string): string;
}

export function spellingsOf(name: string): string[] {
  const lower = name.toLowerCase();
  return [name, lower, name.toUpperCase(), name.charAt(0).toUpperCase() + lower.slice(1)];
}

/** Matchers of the other syntax, each with its replacement in this one ("Headers is a v2 matcher only; use Header"). */
export interface OtherSyntax {
  readonly label: string;
  readonly replacements: ReadonlyMap<string, string>;
}

/**
 * @param names matchers valid in this syntax
 * @param otherSyntax matchers valid only in the other syntax, named as such in the error
 */
export function createNameResolver(names: readonly string[], otherSyntax: OtherSyntax | null = null): NameResolver {
  const spellings = new Map<string, string>();
  for (const name of names) for (const s of spellingsOf(name)) spellings.set(s, name);
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const otherByLower = new Map([...(otherSyntax?.replacements.keys() ?? [])].map((n) => [n.toLowerCase(), n]));

  return {
    resolve: (ident) => spellings.get(ident),
    explainUnknown(ident) {
      const lower = ident.toLowerCase();
      const sameLetters = byLower.get(lower);
      if (sameLetters !== undefined) {
        const [exact, low, up, title] = spellingsOf(sameLetters);
        return `matcher ${ident} must be spelled ${exact}, ${low}, ${up} or ${title}`;
      }
      const other = otherByLower.get(lower);
      if (other !== undefined && otherSyntax !== null) {
        const replacement = otherSyntax.replacements.get(other) ?? closestName(other, names);
        return `${other} is a ${otherSyntax.label} matcher only; did you mean ${replacement}?`;
      }
      return `unknown matcher ${ident}; did you mean ${closestName(ident, names)}?`;
    },
  };
}

function closestName(ident: string, names: readonly string[]): string {
  const lower = ident.toLowerCase();
  let best = names[0] ?? '';
  let bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; names are short, so the simple two-row version is enough. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
