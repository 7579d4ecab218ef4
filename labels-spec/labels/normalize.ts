// Traefik `provider.Normalize`, shared by service names and rule templates.
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/u;

/** Splits on every rune that is not a Unicode letter or digit, drops empties, joins with '-'. */
export function normalize(name: string): string {
  return name
    .split(NOT_LETTER_OR_DIGIT)
    .filter((part) => part !== '')
    .join('-');
}
