import type { Handler, RequestContext } from '../../http/request-context.js';
import { addRequestHeader } from '../../http/request-header-edit.js';
import { sendGoError } from '../../http/traefik-responses.js';
import { decodedPath } from '../../http/request-target.js';
import { goEscapedPath } from '../../http/go-escaped-path.js';
import { compileGoRegexp } from '../../rules/go-regexp.js';
import { matcherPath, pathBytes, pathUnescapeError } from './escaped-path.js';
import { goReplaceAll } from './go-replacement.js';
import { rejectDotSegments } from './strip-prefix.js';
import { trimSpace } from '../../../labels-spec/schema/go-trim-space.js';

export interface ReplacePathRegexOptions {
  regex: string;
  replacement: string;
}

/**
 * Traefik's replacePathRegex, on RawPath (bytes): when the regexp matches, every match is replaced (the replacement's
 * text as its UTF-8 bytes, what groups captured as it is), the original goes upstream as X-Replaced-Path. An empty
 * replacement removes what matches, as in Traefik. Go's JoinPath then leaves RawPath as EscapedPath().
 */
export function createReplacePathRegex(options: ReplacePathRegexOptions, next: Handler): Handler {
  const re = compileGoRegexp(trimSpace(options.regex), 'replacePathRegex regex');
  const replaceAll = goReplaceAll(re, trimSpace(options.replacement), pathBytes);
  return (ctx: RequestContext): void => {
    const current = ctx.rawPath;
    if (!re.test(current)) {
      next(ctx);
      return;
    }
    addRequestHeader(ctx, 'X-Replaced-Path', current);
    const replaced = replaceAll(current);
    const unescapeError = pathUnescapeError(replaced);
    if (unescapeError !== null) {
      sendGoError(ctx, 500, unescapeError);
      return;
    }
    ctx.rawPath = replaced;
    ctx.path = matcherPath(replaced);
    ctx.pathRewritten = true;
    if (rejectDotSegments(ctx, decodedPath(replaced))) return;
    if (replaced !== '') ctx.rawPath = goEscapedPath(replaced);
    next(ctx);
  };
}
