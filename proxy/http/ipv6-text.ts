/**
 * Eight 16-bit groups in RFC 5952 text, as Go prints IPv6: lower-case hex, the longest run of two or more zero
 * groups (the first of equal runs) written `::`. Callers decide first how an IPv4-mapped address is spelled
 * (netip.Addr `::ffff:1.2.3.4`, net.IP `1.2.3.4`).
 */
export function ipv6Text(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
