import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';

// Traefik's sticky-session cookie, bit for bit, so cookies issued by Traefik keep working after a
// switch to pe-edge (and back): names from a SHA-1 of the service, values from FNV-64 hashes.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** FNV-1a 64, hex with leading zeros: Traefik's internal name of a load-balancer server. */
export function fnv1a64Hex(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK;
  return h.toString(16).padStart(16, '0');
}

/** FNV-1 64, hex without padding: the cookie value Traefik sets for a child name. */
export function fnv164Hex(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h * FNV_PRIME) & MASK) ^ BigInt(byte);
  return h.toString(16);
}

/**
 * Every value that names a handler in some Traefik's cookie: v3.2's (the handler's name, hex FNV-1 64 of it) and
 * v3.4+'s (its name, SHA-256 of it cut to 16 hex digits), so a client a later Traefik pinned keeps its server.
 * `laterName` is v3.4+'s name where it differs from v3.2's: a server's URL, not FNV-1a of it.
 */
export function acceptedCookieValues(name: string, laterName = name): string[] {
  return [name, fnv164Hex(name), laterName, createHash('sha256').update(laterName).digest('hex').slice(0, 16)];
}

/** Default cookie name: `_` + first 5 hex of sha1("_TRAEFIK_BACKEND_" + service@provider). */
export function defaultCookieName(qualifiedService: string): string {
  return '_' + createHash('sha1').update('_TRAEFIK_BACKEND_' + qualifiedService).digest('hex').slice(0, 5);
}

/** Explicit names: every character outside the cookie-name token set becomes `_`, as Go does. */
export function sanitizeCookieName(name: string): string {
  return name.replace(/[^A-Za-z0-9!#$%&'*+\-.^`|~]/g, '_');
}

export interface StickyCookieOptions {
  name?: string | undefined;
  secure?: boolean | undefined;
  httpOnly?: boolean | undefined;
  sameSite?: string | undefined;
  maxAge?: number | undefined;
  path?: string | undefined;
  domain?: string | undefined;
}

/**
 * The attributes after `name=value`, fixed at build time: `; Path=/; HttpOnly; Secure`... as Go's http.Cookie writes
 * them (Traefik sets the cookie through it, in this order): the path without the bytes Go drops (controls, `;`, DEL
 * and above; `path: "/a; Secure"` must not add an attribute), no Path for a path set empty (unset is `/`, v3.3's
 * default), the domain without a leading dot, and none when Go would not take it for a domain name or an IPv4
 * address (browsers refuse the whole cookie for `example.com:8080`).
 */
export function cookieAttributes(o: StickyCookieOptions): string {
  const path = o.path === undefined ? '/' : o.path.replace(/[^\x20-\x3a\x3c-\x7e]/g, '');
  let attrs = path === '' ? '' : `; Path=${path}`;
  if (o.domain !== undefined && o.domain !== '' && validCookieDomain(o.domain)) attrs += `; Domain=${o.domain.startsWith('.') ? o.domain.slice(1) : o.domain}`;
  const maxAge = o.maxAge ?? 0;
  if (maxAge > 0) attrs += `; Max-Age=${maxAge}`;
  else if (maxAge < 0) attrs += '; Max-Age=0';
  if (o.httpOnly === true) attrs += '; HttpOnly';
  if (o.secure === true) attrs += '; Secure';
  // Traefik only knows the lower-case spellings; anything else omits the attribute.
  const sameSite = { none: 'None', lax: 'Lax', strict: 'Strict' }[o.sameSite ?? ''];
  if (sameSite !== undefined) attrs += `; SameSite=${sameSite}`;
  return attrs;
}

/** Go's validCookieDomain: a domain name as isCookieDomainName reads it, or an IPv4 address. */
function validCookieDomain(domain: string): boolean {
  return isCookieDomainName(domain) || isIPv4(domain);
}

/**
 * Go's isCookieDomainName (net/http): up to 255 characters, a leading dot allowed, labels of letters, digits and
 * `-` (not first, not last) of 1 to 63 characters, at least one letter somewhere.
 */
function isCookieDomainName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  const text = name.startsWith('.') ? name.slice(1) : name;
  let last = '.';
  let letter = false;
  let label = 0;
  for (const c of text) {
    if (/[A-Za-z]/.test(c)) {
      letter = true;
      label++;
    } else if (/[0-9]/.test(c)) label++;
    else if (c === '-') {
      if (last === '.') return false;
      label++;
    } else if (c === '.') {
      if (last === '.' || last === '-' || label > 63 || label === 0) return false;
      label = 0;
    } else return false;
    last = c;
  }
  return last !== '-' && label <= 63 && letter;
}

/**
 * The value of the first cookie `name` in a Cookie header whose value Go's readCookies accepts, or undefined: a
 * same-named cookie holding a byte a cookie value may not (a control, `"`, `;`, `\`, or non-ASCII) is passed over,
 * as Traefik does, and spaces or tabs around the name or the whole pair do not count.
 */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const raw of line.split(';')) {
      // The app's other cookies, most of a Cookie header, skipped before any trimming (this runs per request).
      if (!raw.includes(name)) continue;
      const part = trimAsciiSpace(raw);
      const eq = part.indexOf('=');
      if (trimAsciiSpace(eq === -1 ? part : part.slice(0, eq)) !== name) continue;
      let value = eq === -1 ? '' : part.slice(eq + 1);
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (/^[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value)) return value;
    }
  }
  return undefined;
}

/** Go's textproto.TrimString: spaces, tabs, CR and LF off both ends. */
function trimAsciiSpace(text: string): string {
  return text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}
