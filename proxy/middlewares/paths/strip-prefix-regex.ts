import type { Handler, RequestContext } from '../../http/request-context.js';
import { addRequestHeader } from '../../http/request-header-edit.js';
import { decodedPath } from '../../http/request-target.js';
import { compileGoRegexp } from '../../rules/go-regexp.js';
import { rejectDotSegments, stripMatched } from './strip-prefix.js';
import { trimSpace } from '../../../labels-spec/schema/go-trim-space.js';
import { utf8OnTheWire } from '../../http/utf8-on-the-wire.js';

export interface StripPrefixRegexOptions {
  regex: string[];
}

/**
 * Traefik's stripPrefixRegex: the first regexp (in order) whose match is non-empty and starts the decoded
 * path (Go's URL.Path, every escape decoded, as Traefik v3.6 matches it) strips that text from both path forms; the matched text goes upstream as X-Forwarded-Prefix.
 */
export function createStripPrefixRegex(options: StripPrefixRegexOptions, next: Handler): Handler {
  const expressions = options.regex.map((source) => compileGoRegexp(trimSpace(source), 'stripPrefixRegex regex'));
  return (ctx: RequestContext): void => {
    const decoded = decodedPath(ctx.rawPath);
    for (const re of expressions) {
      const prefix = re.firstMatch(decoded) ?? '';
      if (prefix === '' || !decoded.startsWith(prefix)) continue;
      if (rejectDotSegments(ctx, stripMatched(ctx, decoded, prefix, false))) return;
      addRequestHeader(ctx, 'X-Forwarded-Prefix', utf8OnTheWire(prefix));
      next(ctx);
      return;
    }
    next(ctx);
  };
}
