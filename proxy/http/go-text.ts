// Go's spellings that Traefik's answers and headers carry, kept in one place.

const QUERY_SAFE = /^[A-Za-z0-9\-_.~]$/;

/** Go's url.QueryEscape: every UTF-8 byte but A-Z a-z 0-9 - _ . ~ percent-encoded (upper-case), a space as '+'. */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (QUERY_SAFE.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's CanonicalHeaderKey: `x-forwarded-for` → `X-Forwarded-For` (how Go names a header in maps and logs). */
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
