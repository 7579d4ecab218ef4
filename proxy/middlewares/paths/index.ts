import type { MiddlewareEntry } from '../middleware-entry.js';
import { createAddPrefix, type AddPrefixOptions } from './add-prefix.js';
import { createContentType, type ContentTypeOptions } from './content-type.js';
import { createEncodedCharacters } from './encoded-characters.js';
import type { EncodedCharactersOptions } from '../../http/encoded-characters.js';
import { createRedirectRegex, type RedirectRegexOptions } from './redirect-regex.js';
import { createReplacePathRegex, type ReplacePathRegexOptions } from './replace-path-regex.js';
import { createReplacePath, type ReplacePathOptions } from './replace-path.js';
import { createStripPrefixRegex, type StripPrefixRegexOptions } from './strip-prefix-regex.js';
import { createStripPrefix, type StripPrefixOptions } from './strip-prefix.js';

/** Middlewares that rewrite or redirect the request path: stripPrefix, addPrefix, replacePath, redirectRegex... */
export const PATH_MIDDLEWARES: readonly MiddlewareEntry[] = [
  ['stripPrefix', (options, next) => createStripPrefix(options as StripPrefixOptions, next)],
  ['stripPrefixRegex', (options, next) => createStripPrefixRegex(options as StripPrefixRegexOptions, next)],
  ['addPrefix', (options, next) => createAddPrefix(options as AddPrefixOptions, next)],
  ['replacePath', (options, next) => createReplacePath(options as ReplacePathOptions, next)],
  ['replacePathRegex', (options, next) => createReplacePathRegex(options as ReplacePathRegexOptions, next)],
  ['redirectRegex', (options, next) => createRedirectRegex(options as RedirectRegexOptions, next)],
  ['contentType', (options, next) => createContentType(options as ContentTypeOptions, next)],
  ['encodedCharacters', (options, next) => createEncodedCharacters(options as EncodedCharactersOptions, next)],
];
