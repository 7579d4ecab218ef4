import type { MiddlewareEntry } from '../middleware-entry.js';
import { createBasicAuth, type BasicAuthOptions } from './basic-auth.js';
import { createHeaders, type HeadersOptions } from './headers.js';

/** Middlewares that read or write headers: headers (custom, security, CORS), basicAuth. */
export const HEADER_MIDDLEWARES: readonly MiddlewareEntry[] = [
  ['headers', (options, next) => createHeaders(options as HeadersOptions, next)],
  ['basicAuth', (options, next) => createBasicAuth(options as BasicAuthOptions, next)],
];
