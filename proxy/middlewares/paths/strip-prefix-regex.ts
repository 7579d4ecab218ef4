import type { Handler, RequestContext } from '../../http/request-context.js';
import { addRequestHeader } from '../../http/request-header-edit.js';
import { compileGoRegexp } from '../../rules/go-regexp.js';
import { rejectDotSegments, stripMatched } from './strip-prefix.js';

export interface StripPrefixRegexOptions {
  regex: string[];
}

/**
 * Traefik's stripPrefixRegex: the first regexp (in order) whose match is non-empty and starts the path
 * strips that text from both path forms; the matched text goes upstream as X-Forwarded-Prefix.
 */
export function createStripPrefixRegex(options: StripPrefixRegexOptions, next: Handler): Handler {
  const expressions = options.regex.map((source) => compileGoRegexp(source.trim(), 'stripPrefixRegex regex'));
  return (ctx: RequestContext): void => {
    for (const re of expressions) {
      const match = re.exec(ctx.path);
      const prefix = match === null ? '' : match[0];
      if (prefix === '' || !ctx.path.startsWith(prefix)) continue;
      stripMatched(ctx, prefix.length, false);
      if (rejectDotSegments(ctx)) return;
      addRequestHeader(ctx, 'X-Forwarded-Prefix', prefix);
      next(ctx);
      return;
    }
    next(ctx);
  };
}
