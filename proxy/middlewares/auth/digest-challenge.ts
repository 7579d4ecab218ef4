import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The nonce table of one digestAuth instance, as go-http-auth keeps it: every nonce it issued, with the
 * highest nonce count seen; a replayed count fails, a lower one is "stale" (out-of-order pipelining), so
 * the client may retry without asking its user again. Over 1,100 nonces, the 200 least recently seen go.
 */
export class DigestNonces {
  /** Sent in every challenge and required back unchanged (go-http-auth: random per authenticator). */
  readonly opaque = randomKey();
  private readonly clients = new Map<string, { nc: bigint; lastSeen: number }>();

  issue(): string {
    if (this.clients.size > CACHE_SIZE + CACHE_TOLERANCE) this.purge(CACHE_TOLERANCE * 2);
    const nonce = randomKey();
    this.clients.set(nonce, { nc: 0n, lastSeen: Date.now() });
    return nonce;
  }

  /** 'ok' records the count; 'unknown' and 'replay' fail plainly, 'stale' asks for a stale challenge. */
  use(nonce: string, nc: bigint): 'ok' | 'unknown' | 'replay' | 'stale' {
    const client = this.clients.get(nonce);
    if (client === undefined) return 'unknown';
    if (client.nc !== 0n) {
      if (nc === client.nc) return 'replay';
      if (nc < client.nc) return 'stale';
    }
    client.nc = nc;
    client.lastSeen = Date.now();
    return 'ok';
  }

  get size(): number {
    return this.clients.size;
  }

  private purge(count: number): void {
    const oldest = [...this.clients].sort((a, b) => a[1].lastSeen - b[1].lastSeen).slice(0, count);
    for (const [nonce] of oldest) this.clients.delete(nonce);
  }
}

const CACHE_SIZE = 1000;
const CACHE_TOLERANCE = 100;

/** 12 random bytes in standard base64: 16 characters (go-http-auth's RandomKey). */
function randomKey(): string {
  return randomBytes(12).toString('base64');
}

/** The challenge header value, exactly as go-http-auth writes it. */
export function digestChallenge(realm: string, nonce: string, opaque: string, stale: boolean): string {
  return `Digest realm="${realm}", nonce="${nonce}", opaque="${opaque}", ${stale ? 'stale="true", ' : ''}algorithm="MD5", qop="auth"`;
}

/** Lower-case hex MD5 (go-http-auth's H). */
export function md5Hex(data: string): string {
  return createHash('md5').update(data, 'utf8').digest('hex');
}

/** RFC 2617's request-digest for qop=auth. */
export function digestResponse(ha1: string, method: string, uri: string, p: { nonce: string; nc: string; cnonce: string; qop: string }): string {
  return md5Hex(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${md5Hex(`${method}:${uri}`)}`);
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The parameters of a `Digest ...` credential, or null when the scheme is not exactly `Digest` followed by a
 * space (go-http-auth's DigestAuthParams: comma-separated pairs, quoted values unquoted, `\` escapes kept
 * inside quotes, a bare word a key with an empty value).
 */
export function digestParams(authorization: string | undefined): Map<string, string> | null {
  if (authorization === undefined) return null;
  const space = authorization.indexOf(' ');
  if (space === -1 || authorization.slice(0, space) !== 'Digest') return null;
  const params = new Map<string, string>();
  for (const pair of parseList(authorization.slice(space + 1).trim())) {
    const eq = pair.indexOf('=');
    if (eq === -1) {
      params.set(pair, '');
      continue;
    }
    let value = pair.slice(eq + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    params.set(pair.slice(0, eq), value);
  }
  return params;
}

/** RFC 2068 list elements: commas split outside quotes, a backslash escapes the next character inside them. */
function parseList(value: string): string[] {
  const list: string[] = [];
  let current = '';
  let quote = false;
  let escape = false;
  for (const ch of value) {
    if (escape) {
      current += ch;
      escape = false;
    } else if (quote) {
      if (ch === '\\') escape = true;
      else {
        if (ch === '"') quote = false;
        current += ch;
      }
    } else if (ch === ',') {
      list.push(current.trim());
      current = '';
    } else {
      if (ch === '"') quote = true;
      current += ch;
    }
  }
  if (current !== '') list.push(current.trim());
  return list;
}
