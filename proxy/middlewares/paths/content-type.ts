import type { Handler } from '../../http/request-context.js';

export interface ContentTypeOptions {
  autoDetect?: boolean | undefined;
}

/**
 * Traefik's contentType. Node never sniffs a response body, so a response without Content-Type keeps
 * none with or without this middleware: `{}` and the deprecated `autoDetect: false` are both accepted
 * and pass requests through unchanged.
 */
export function createContentType(_options: ContentTypeOptions, next: Handler): Handler {
  return next;
}
