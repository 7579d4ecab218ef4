/**
 * Trims a header value's optional whitespace as HTTP parsers do (RFC 9110 §5.5: SP and HTAB only).
 * String.prototype.trim would also strip U+00A0, a latin1 byte node:http keeps.
 */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}
