// Traefik v3.2's Accept-Encoding negotiation (pkg/middlewares/compress, getCompressionType), token for token.
import { goParseFloatOrZero } from '../../http/go-parse-float.js';

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
      q = goParseFloatOrZero(param.slice(2));
      weighted = true;
    }
    tokens.push({ name, q });
  }
  // Stable for these short lists, as Go's insertion sort is: unweighted first, then by q descending.
  tokens.sort((a, b) => (a.q === null ? (b.q === null ? 0 : -1) : b.q === null ? 1 : goCompare(b.q, a.q)));
  return { tokens, weighted };
}

/** Go's cmp.Compare for floats: a NaN is less than any other number (`q=nan` sorts last), and equal to a NaN. */
function goCompare(x: number, y: number): number {
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The weight `header` gives `name`: its own when it names it, else the wildcard's; null when it names neither (or is
 * absent or empty). An unweighted token weighs 1.
 */
function weightFor(header: string | undefined, name: string): number | null {
  if (header === undefined || header === '') return null;
  const { tokens } = parseTokens(header, [name]);
  const token = tokens.find((t) => t.name === name) ?? tokens.find((t) => t.name === WILDCARD);
  return token === undefined ? null : (token.q ?? 1);
}

/**
 * Whether `header` lets `encoding` be sent: named with a weight above 0 (a NaN is not), or not named and a wildcard above 0. For a
 * second choice (compress's streams past their budget), never for negotiating: an absent or empty header says no.
 */
export function acceptsEncoding(header: string | undefined, encoding: string): boolean {
  const weight = weightFor(header, encoding);
  return weight !== null && weight > 0;
}

/** Whether `header` refuses an uncompressed answer: `identity;q=0`, or `*;q=0` without identity named. */
export function refusesIdentity(header: string | undefined): boolean {
  return weightFor(header, IDENTITY) === 0;
}

/** A request's Accept-Encoding as one string (node gives a repeated header as a list), or undefined without one. */
export function acceptEncodingOf(headers: { readonly 'accept-encoding'?: string | string[] | undefined }): string | undefined {
  const value = headers['accept-encoding'];
  return Array.isArray(value) ? value.join(',') : value;
}
