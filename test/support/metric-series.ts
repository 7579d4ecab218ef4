/**
 * Every series of one metric family prefix in a Prometheus text scrape: `name{labels}` (labels as written) → value.
 * `prefix` is a family name's start, such as `pe_edge_compress_cache_`.
 */
export function familySeries(text: string, prefix: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const m = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m !== null) found[m[1] as string] = Number(m[2]);
  }
  return found;
}
