import type { Handler, RequestContext } from '../../http/request-context.js';
import { deniedEscapes, hasDeniedEscape, type EncodedCharactersOptions } from '../../http/encoded-characters.js';
import { sendBareStatus } from '../../http/traefik-responses.js';

/**
 * Traefik v3.7's encodedCharacters middleware: the entrypoint check of the same name (an empty 400 for a path
 * holding a refused escape, or a '%' cut short), on one router's chain. Allowing everything is no middleware at all.
 */
export function createEncodedCharacters(options: EncodedCharactersOptions, next: Handler): Handler {
  const denied = deniedEscapes(options);
  if (denied === null) return next;
  return (ctx: RequestContext): void => {
    if (hasDeniedEscape(ctx.rawPath, denied)) sendBareStatus(ctx, 400, '');
    else next(ctx);
  };
}
