// Go's strings.TrimSpace, the trimming of Traefik's configuration grammar (paerser splits a label or flag list on
// `,` and TrimSpaces each item; stripPrefix, replacePathRegex, usersFile lines, certificate domains do the same).
// JavaScript's trim() differs: it trims U+FEFF, which Go keeps, and keeps U+0085, which Go trims.

/** unicode.IsSpace: ASCII and Latin-1 spaces, then the rest of Unicode's White_Space. */
function isGoSpace(code: number): boolean {
  if (code <= 0xff) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0;
  return code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029
    || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** `text` without the white space Go's strings.TrimSpace removes from both ends. */
export function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text.charCodeAt(start))) start++;
  while (end > start && isGoSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
