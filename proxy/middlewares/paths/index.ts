import type { MiddlewareEntry } from '../middleware-entry.js';

/** Middlewares that rewrite or redirect the request path: stripPrefix, addPrefix, replacePath, redirectRegex... */
export const PATH_MIDDLEWARES: readonly MiddlewareEntry[] = [];
