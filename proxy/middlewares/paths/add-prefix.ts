import type { Handler, RequestContext } from '../../http/request-context.js';
import { ensureLeadingSlash, matcherPath, toEscapedPath } from './escaped-path.js';

export interface AddPrefixOptions {
  prefix: string;
}

/** Traefik's addPrefix: `prefix + path`, leading slash ensured, slashes never merged (`/foo/` + `/bar`). */
export function createAddPrefix(options: AddPrefixOptions, next: Handler): Handler {
  if (options.prefix === '') throw new Error('addPrefix: prefix cannot be empty');
  const rawPrefix = toEscapedPath(options.prefix);
  const pathPrefix = matcherPath(rawPrefix);
  return (ctx: RequestContext): void => {
    ctx.path = ensureLeadingSlash(pathPrefix + ctx.path);
    ctx.rawPath = ensureLeadingSlash(rawPrefix + ctx.rawPath);
    next(ctx);
  };
}
