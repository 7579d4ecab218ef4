import type { MiddlewareEntry } from '../middleware-entry.js';

/** Middlewares that read or write headers: headers (custom, security, CORS), basicAuth. */
export const HEADER_MIDDLEWARES: readonly MiddlewareEntry[] = [];
