// Traefik v3.2's Accept-Encoding negotiation (pkg/middlewares/compress, getCompressionType), token for token.

/** What the negotiation decided: an encoding, identity (no compression) or not acceptable (pass-through too). */
export type Negotiated = string | typeof IDENTITY | typeof NOT_ACCEPTABLE;
export const IDENTITY = 'identity';
export const NOT_ACCEPTABLE = 'not acceptable';
const WILDCARD = '*';

export interface Negotiation {
  /** Server preference order, only encodings pe-edge can produce. */
  readonly supported: readonly string[];
  /** Used when the header is absent; IDENTITY when no defaultEncoding is configured. */
  readonly whenAbsent: string;
  /** Used for `*`: defaultEncoding, else br when supported, else the first supported. */
  readonly forWildcard: string;
}

interface Token {
  name: string;
  /** null when the token had no `q=` (Go sorts those first). */
  q: number | null;
}

/** The encoding to answer with for the request's Accept-Encoding header (undefined when absent). */
export function negotiateEncoding(header: string | undefined, n: Negotiation): Negotiated {
  if (header === undefined) return n.whenAbsent;
  if (header === '') return IDENTITY;
  const { tokens, weighted } = parseTokens(header, n.supported);
  if (weighted) {
    const top = tokens[0];
    if (top === undefined) return IDENTITY;
    if ((top.name === IDENTITY || top.name === WILDCARD) && top.q === 0) return NOT_ACCEPTABLE;
    return top.name === WILDCARD ? n.forWildcard : top.name;
  }
  for (const encoding of n.supported) if (tokens.some((t) => t.name === encoding)) return encoding;
  return tokens.some((t) => t.name === WILDCARD) ? n.forWildcard : IDENTITY;
}

function parseTokens(header: string, supported: readonly string[]): { tokens: Token[]; weighted: boolean } {
  const tokens: Token[] = [];
  let weighted = false;
  // Go removes every space, splits on ',' then once on ';', and compares names case-sensitively.
  for (const item of header.replaceAll(' ', '').split(',')) {
    const semi = item.indexOf(';');
    const name = semi === -1 ? item : item.slice(0, semi);
    if (!supported.includes(name) && name !== IDENTITY && name !== WILDCARD) continue;
    const param = semi === -1 ? '' : item.slice(semi + 1);
    let q: number | null = null;
    if (param.startsWith('q=')) {
      const parsed = Number(param.slice(2));
      // strconv.ParseFloat failing leaves the weight at 0.
      q = Number.isNaN(parsed) ? 0 : parsed;
      weighted = true;
    }
    tokens.push({ name, q });
  }
  // Stable for these short lists, as Go's insertion sort is: unweighted first, then by q descending.
  tokens.sort((a, b) => (a.q === null ? (b.q === null ? 0 : -1) : b.q === null ? 1 : b.q - a.q));
  return { tokens, weighted };
}

/**
 * Whether `header` lets `encoding` be sent: named with a weight above 0, or not named and a wildcard above 0. For a
 * second choice (compress's streams past their budget), never for negotiating: an absent or empty header says no.
 */
export function acceptsEncoding(header: string | undefined, encoding: string): boolean {
  if (header === undefined || header === '') return false;
  const { tokens } = parseTokens(header, [encoding]);
  const named = tokens.find((t) => t.name === encoding);
  if (named !== undefined) return named.q !== 0;
  const wildcard = tokens.find((t) => t.name === WILDCARD);
  return wildcard !== undefined && wildcard.q !== 0;
}

/** Whether `header` refuses an uncompressed answer: `identity;q=0`, or `*;q=0` without identity named. */
export function refusesIdentity(header: string | undefined): boolean {
  if (header === undefined || header === '') return false;
  const { tokens } = parseTokens(header, []);
  const named = tokens.find((t) => t.name === IDENTITY);
  if (named !== undefined) return named.q === 0;
  const wildcard = tokens.find((t) => t.name === WILDCARD);
  return wildcard !== undefined && wildcard.q === 0;
}
