// The one rule for a well-formed %XX escape, which Go's URL parsing applies everywhere: a '%' followed by two hex
// digits. Go refuses what breaks it (a request line: 400; a redirect target: 502; a replaced path: 500).

export function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

/** Whether a well-formed escape starts at `i` (a '%' and two hex digits). */
export function isEscapeAt(s: string, i: number): boolean {
  return isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2));
}

/** Where the first '%' that starts no %XX escape is (`%zz`, `%2`, a trailing '%'), or -1. */
export function malformedEscapeAt(s: string): number {
  for (let i = s.indexOf('%'); i !== -1; i = s.indexOf('%', i + 1)) if (!isEscapeAt(s, i)) return i;
  return -1;
}
