// Statistics shared by the bench reports: rows report medians over rounds, never bests.

/** The median of the finite values (the mean of the middle two for an even count); undefined when none. */
export function median(values) {
  const v = values.filter((x) => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
