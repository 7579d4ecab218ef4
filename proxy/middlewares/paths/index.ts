import type { MiddlewareEntry } from '../middleware-entry.js';
import { createStripPrefixRegex, type StripPrefixRegexOptions } from './strip-prefix-regex.js';
import { createStripPrefix, type StripPrefixOptions } from './strip-prefix.js';

/** Middlewares that rewrite or redirect the request path: stripPrefix, addPrefix, replacePath, redirectRegex... */
export const PATH_MIDDLEWARES: readonly MiddlewareEntry[] = [
  ['stripPrefix', (options, next) => createStripPrefix(options as StripPrefixOptions, next)],
  ['stripPrefixRegex', (options, next) => createStripPrefixRegex(options as StripPrefixRegexOptions, next)],
];
