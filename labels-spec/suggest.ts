// "Did you mean ...?" for unknown keys and names.

/** Levenshtein distance with a single rolling row. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The candidate closest to `input` (case-insensitive), or undefined when nothing is
 * reasonably close: a unique prefix match, or at most a third of the longer word differs.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  // A truncated key ("defaultCert") is far by edit distance but unambiguous by prefix.
  const byPrefix = needle.length >= 4 ? candidates.filter((c) => c.toLowerCase().startsWith(needle)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(needle.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** The candidate one edit (insert, delete, substitute) away from `input`, case-insensitively; a looser match is no suggestion. */
export function oneEditAway(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  return candidates.find((c) => editDistance(needle, c.toLowerCase()) === 1);
}
