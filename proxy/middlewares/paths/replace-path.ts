import type { Handler, RequestContext } from '../../http/request-context.js';
import { addRequestHeader } from '../../http/request-header-edit.js';
import { sendGoError } from '../../http/traefik-responses.js';
import { matcherPath, pathBytes, pathUnescapeError } from './escaped-path.js';

export interface ReplacePathOptions {
  path: string;
}

/**
 * Traefik's replacePath: RawPath becomes `path`'s bytes as configured (query kept), escaped only when sent; the
 * current RawPath goes upstream as X-Replaced-Path, as it is. A `path` Go cannot unescape answers 500 with Go's
 * error text on every request.
 */
export function createReplacePath(options: ReplacePathOptions, next: Handler): Handler {
  const unescapeError = pathUnescapeError(options.path);
  const rawPath = pathBytes(options.path);
  const path = matcherPath(rawPath);
  return (ctx: RequestContext): void => {
    addRequestHeader(ctx, 'X-Replaced-Path', ctx.rawPath);
    if (unescapeError !== null) {
      sendGoError(ctx, 500, unescapeError);
      return;
    }
    ctx.rawPath = rawPath;
    ctx.path = path;
    ctx.pathRewritten = true;
    next(ctx);
  };
}
