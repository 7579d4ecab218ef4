import type { Handler, RequestContext } from '../../http/request-context.js';
import { goEscapePath, goUnescapePath, isCanonicalPath } from '../../http/go-escaped-path.js';
import { ensureLeadingSlash, matcherPath, pathBytes } from './escaped-path.js';

export interface AddPrefixOptions {
  prefix: string;
}

/**
 * Traefik's addPrefix: `prefix + path`, leading slash ensured, slashes never merged (`/foo/` + `/bar`). Go adds the
 * prefix to Path, and to RawPath when it has one (the path received not as escape(Path) writes it); without one, or
 * with a prefix holding a '%' (RawPath then no longer unescapes to Path), Go reads and sends escape(prefix + Path).
 */
export function createAddPrefix(options: AddPrefixOptions, next: Handler): Handler {
  if (options.prefix === '') throw new Error('addPrefix: prefix cannot be empty');
  const rawPrefix = pathBytes(options.prefix);
  const escapedPrefix = goEscapePath(rawPrefix);
  const literalPercent = rawPrefix.includes('%');
  const pathPrefix = matcherPath(rawPrefix);
  return (ctx: RequestContext): void => {
    const current = ctx.rawPath;
    ctx.path = ensureLeadingSlash(pathPrefix + ctx.path);
    if (literalPercent || isCanonicalPath(current)) {
      ctx.rawPath = ensureLeadingSlash(escapedPrefix + goEscapePath(goUnescapePath(current)));
    } else {
      ctx.rawPath = ensureLeadingSlash(rawPrefix + current);
    }
    ctx.pathRewritten = true;
    next(ctx);
  };
}
