/**
 * Traefik's `entryPoints.<ep>.http.sanitizePath` (default true since v3.3.6): before routing, the escaped
 * path has its unreserved %XX escapes decoded and other escapes upper-cased (Traefik's normalizePath), then
 * `.`/`..` segments and repeated slashes resolved (Go's URL.JoinPath, i.e. path.Clean keeping one trailing
 * slash). Routers and the backend then see one path, so `/public/../admin` can't be routed as /public and
 * served by the backend as /admin. Reserved escapes stay encoded: `..%2F` is part of a segment, not cleaned across.
 */
export function sanitizePath(rawPath: string): string {
  if (!needsSanitizing(rawPath, true)) return rawPath;
  const escaped = rawPath.includes('%') ? normalizeEscapes(rawPath) : rawPath;
  return needsSanitizing(escaped, false) ? cleanPath(escaped) : escaped;
}

/**
 * pe-edge's own guard on top of sanitizePath (Traefik forwards these): true when an encoded slash or
 * backslash would form a `.` or `..` segment once a backend decodes it (`/public/..%2Fadmin`). Such a
 * path is routed as Traefik routes it, then refused with 400 instead of reaching a backend that may
 * decode `%2F` before resolving dot segments. Expects a sanitized path (unreserved escapes decoded,
 * others upper-case).
 */
export function hidesDotSegment(rawPath: string): boolean {
  if (rawPath.indexOf('%') < 0) return false;
  if (!rawPath.includes('%2F') && !rawPath.includes('%5C')) return false;
  for (const segment of rawPath.split(ENCODED_SEPARATOR)) if (segment === '.' || segment === '..') return true;
  return false;
}
const ENCODED_SEPARATOR = /\/|%2F|%5C/;

/** One scan: true when the path holds a '//' or a `.`/`..` segment, or (with `escapes`) a '%'. */
function needsSanitizing(path: string, escapes: boolean): boolean {
  const n = path.length;
  // Go cleans a relative path too (JoinPath roots it first); rare enough to always take the slow way.
  if (n > 0 && path.charCodeAt(0) !== 47 /* / */ && path !== '*') return true;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ && escapes) return true;
    if (c !== 47 /* / */) continue;
    const next = path.charCodeAt(i + 1);
    if (next === 47) return true;
    if (next !== 46 /* . */) continue;
    const after = i + 2 < n ? path.charCodeAt(i + 2) : 47;
    if (after === 47) return true;
    if (after === 46 && (i + 3 >= n || path.charCodeAt(i + 3) === 47)) return true;
  }
  return false;
}

/** Unreserved escapes decoded (`%2e` → `.`, `%41` → `A`), others upper-cased (`%2f` → `%2F`); malformed ones left as they are. */
export function normalizeEscapes(path: string): string {
  let out = '';
  let from = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i + 1)) {
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) continue;
    const byte = hi * 16 + lo;
    out += path.slice(from, i) + (isUnreserved(byte) ? String.fromCharCode(byte) : '%' + path.slice(i + 1, i + 3).toUpperCase());
    from = i + 3;
    i += 2;
  }
  return from === 0 ? path : out + path.slice(from);
}

/** Go's URL.JoinPath() on an escaped path: path.Clean, then one trailing slash kept if there was one. */
function cleanPath(path: string): string {
  const rooted = path.charCodeAt(0) === 47;
  const kept: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') kept.pop();
    else kept.push(segment);
  }
  // A relative path is cleaned as if rooted, then handed back without the root (Go's JoinPath).
  let clean = rooted ? '/' + kept.join('/') : kept.join('/');
  if (path.endsWith('/') && !clean.endsWith('/')) clean += '/';
  return clean;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(byte: number): boolean {
  return (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
    || byte === 45 || byte === 46 || byte === 95 || byte === 126;
}
