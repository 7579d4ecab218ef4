import { middlewareEntry, type MiddlewareEntry } from '../middleware-entry.js';
import { createHeaders } from './headers.js';

/** Middlewares that read or write headers: headers (custom, security, CORS). */
export const HEADER_MIDDLEWARES: readonly MiddlewareEntry[] = [
  middlewareEntry('headers', createHeaders),
];
