import type { Handler, RequestContext } from '../../http/request-context.js';
import { addRequestHeader } from '../../http/request-header-edit.js';
import { sendGoStatusError } from '../../http/traefik-responses.js';
import { decodedPath, routingPath } from '../../http/request-target.js';
import { encodedPrefixLength, ensureLeadingSlash, hasDotSegment } from './escaped-path.js';
import { trimSpace } from '../../../labels-spec/schema/go-trim-space.js';
import { goEscapedPath, goEscapePath, goUnescapePath } from '../../http/go-escaped-path.js';
import { utf8OnTheWire } from '../../http/utf8-on-the-wire.js';

export interface StripPrefixOptions {
  prefixes: string[];
  forceSlash?: boolean | undefined;
}

/**
 * Traefik's stripPrefix: the first prefix (in list order) the decoded path (Go's URL.Path, every escape
 * decoded) starts with is removed from both path forms and sent upstream as X-Forwarded-Prefix. An exact match leaves an empty path (sent as `/`).
 */
export function createStripPrefix(options: StripPrefixOptions, next: Handler): Handler {
  const prefixes = options.prefixes;
  // Deprecated; Traefik honours it only when explicitly true.
  const forceSlash = options.forceSlash === true;
  return (ctx: RequestContext): void => {
    const decoded = decodedPath(ctx.rawPath);
    for (const prefix of prefixes) {
      if (!decoded.startsWith(prefix)) continue;
      if (rejectDotSegments(ctx, stripMatched(ctx, decoded, prefix, forceSlash))) return;
      addRequestHeader(ctx, 'X-Forwarded-Prefix', utf8OnTheWire(trimSpace(prefix)));
      next(ctx);
      return;
    }
    next(ctx);
  };
}

/**
 * Removes `prefix` (which starts `decoded`, the decoded path) from the decoded path and what it was written as
 * from ctx.rawPath; ctx.path becomes the routing path of what is left. Returns the decoded path left. Go's JoinPath
 * then leaves RawPath as EscapedPath() (a path left with a dot segment is refused before it matters).
 */
export function stripMatched(ctx: RequestContext, decoded: string, prefix: string, forceSlash: boolean): string {
  const prefixBytes = Buffer.byteLength(prefix);
  const cut = encodedPrefixLength(ctx.rawPath, prefixBytes);
  let rest = stripped(ctx.rawPath.slice(cut), forceSlash);
  // Go keeps the stripped RawPath only while it unescapes to the stripped Path; else it sends Path escaped: an
  // escaped slash right after the prefix (`/sp%2Fusers` less `/sp`) goes as `/users`, not `/%2Fusers`.
  if (rest.includes('%')) {
    const restBytes = stripped(goUnescapePath(ctx.rawPath).slice(prefixBytes), forceSlash);
    if (goUnescapePath(rest) !== restBytes) rest = goEscapePath(restBytes);
  }
  ctx.path = routingPath(rest);
  ctx.rawPath = rest === '' ? rest : goEscapedPath(rest);
  ctx.pathRewritten = true;
  return stripped(decoded.slice(prefix.length), forceSlash);
}

function stripped(rest: string, forceSlash: boolean): string {
  if (forceSlash) return '/' + (rest.charCodeAt(0) === 47 ? rest.slice(1) : rest);
  return ensureLeadingSlash(rest);
}

/** Traefik v3.6: a rewritten path a backend would normalise differently is refused with 400. */
export function rejectDotSegments(ctx: RequestContext, decoded: string): boolean {
  if (!hasDotSegment(decoded)) return false;
  sendGoStatusError(ctx, 400);
  return true;
}
