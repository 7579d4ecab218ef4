import type { Handler, RequestContext } from '../../http/request-context.js';
import { addRequestHeader } from '../../http/request-header-edit.js';
import { sendGoError } from '../../http/traefik-responses.js';
import { ensureLeadingSlash, hasDotSegment, rawOffset } from './escaped-path.js';

export interface StripPrefixOptions {
  prefixes: string[];
  forceSlash?: boolean | undefined;
}

/**
 * Traefik's stripPrefix: the first prefix (in list order) the path starts with is removed from both
 * path forms and sent upstream as X-Forwarded-Prefix. An exact match leaves an empty path (sent as `/`).
 */
export function createStripPrefix(options: StripPrefixOptions, next: Handler): Handler {
  const prefixes = options.prefixes;
  // Deprecated; Traefik honours it only when explicitly true.
  const forceSlash = options.forceSlash === true;
  return (ctx: RequestContext): void => {
    for (const prefix of prefixes) {
      if (!ctx.path.startsWith(prefix)) continue;
      stripMatched(ctx, prefix.length, forceSlash);
      if (rejectDotSegments(ctx)) return;
      addRequestHeader(ctx, 'X-Forwarded-Prefix', prefix.trim());
      next(ctx);
      return;
    }
    next(ctx);
  };
}

/** Removes the first `length` characters of ctx.path, and what they were written as from ctx.rawPath. */
export function stripMatched(ctx: RequestContext, length: number, forceSlash: boolean): void {
  const cut = rawOffset(ctx.rawPath, ctx.path, length);
  ctx.path = stripped(ctx.path.slice(length), forceSlash);
  ctx.rawPath = stripped(ctx.rawPath.slice(cut), forceSlash);
}

function stripped(rest: string, forceSlash: boolean): string {
  if (forceSlash) return '/' + (rest.charCodeAt(0) === 47 ? rest.slice(1) : rest);
  return ensureLeadingSlash(rest);
}

/** Traefik v3.6: a rewritten path a backend would normalise differently is refused with 400. */
export function rejectDotSegments(ctx: RequestContext): boolean {
  if (!hasDotSegment(ctx.path)) return false;
  sendGoError(ctx, 400, 'Bad Request');
  return true;
}
