import { isEscapeAt, malformedEscapeAt } from './percent-escape.js';

/**
 * Traefik's `entryPoints.<ep>.http.encodedCharacters` (v3.6.4+; every option defaults to true since v3.6.7):
 * a routed request whose escaped path holds a disallowed escape gets 400 before the router's middlewares,
 * for backends that would decode `%2F` or `%5C` and resolve dot segments across it.
 */
export interface EncodedCharactersOptions {
  allowEncodedSlash: boolean;
  allowEncodedBackSlash: boolean;
  allowEncodedNullCharacter: boolean;
  allowEncodedSemicolon: boolean;
  allowEncodedPercent: boolean;
  allowEncodedQuestionMark: boolean;
  allowEncodedHash: boolean;
}

const ESCAPED_BYTE: Readonly<Record<keyof EncodedCharactersOptions, number>> = {
  allowEncodedSlash: 0x2f,
  allowEncodedBackSlash: 0x5c,
  allowEncodedNullCharacter: 0x00,
  allowEncodedSemicolon: 0x3b,
  allowEncodedPercent: 0x25,
  allowEncodedQuestionMark: 0x3f,
  allowEncodedHash: 0x23,
};

/** The bytes whose escape is refused, or null when none is (the option absent or all true: no check at all). */
export function deniedEscapes(options: EncodedCharactersOptions | null): ReadonlySet<number> | null {
  if (options === null) return null;
  const denied = new Set<number>();
  for (const [option, byte] of Object.entries(ESCAPED_BYTE) as [keyof EncodedCharactersOptions, number][]) {
    if (!options[option]) denied.add(byte);
  }
  return denied.size === 0 ? null : denied;
}

/**
 * True when the escaped path holds a denied escape (either hex case), or a '%' that starts no escape (`%zz`, `%2`,
 * a trailing '%'): Go's server refuses those before Traefik sees them, and a lenient decoder behind pe-edge could
 * read `%%2f` or `%2%5c` as the very character the check is for. Every '%' is looked at: a malformed one never
 * hides the escape after it.
 */
export function hasDeniedEscape(rawPath: string, denied: ReadonlySet<number>): boolean {
  for (let i = rawPath.indexOf('%'); i !== -1; i = rawPath.indexOf('%', i + 3)) {
    if (!isEscapeAt(rawPath, i)) return true;
    if (denied.has(Number.parseInt(rawPath.slice(i + 1, i + 3), 16))) return true;
  }
  return false;
}

/** True when a '%' in the path starts no %XX escape: Go's url.ParseRequestURI refuses the request (400). */
export function hasMalformedEscape(rawPath: string): boolean {
  return malformedEscapeAt(rawPath) !== -1;
}
