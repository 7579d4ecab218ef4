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

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** True when the escaped path holds a denied escape (either hex case), or a '%' cut short as Traefik also refuses. */
export function hasDeniedEscape(rawPath: string, denied: ReadonlySet<number>): boolean {
  for (let i = rawPath.indexOf('%'); i !== -1; i = rawPath.indexOf('%', i + 3)) {
    if (i + 2 >= rawPath.length) return true;
    const hex = rawPath.slice(i + 1, i + 3);
    if (HEX_PAIR.test(hex) && denied.has(Number.parseInt(hex, 16))) return true;
  }
  return false;
}
