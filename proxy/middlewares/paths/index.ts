import { middlewareEntry, type MiddlewareEntry } from '../middleware-entry.js';
import { createAddPrefix } from './add-prefix.js';
import { createContentType } from './content-type.js';
import { createEncodedCharacters } from './encoded-characters.js';
import { createRedirectRegex } from './redirect-regex.js';
import { createReplacePathRegex } from './replace-path-regex.js';
import { createReplacePath } from './replace-path.js';
import { createStripPrefixRegex } from './strip-prefix-regex.js';
import { createStripPrefix } from './strip-prefix.js';

/** Middlewares that rewrite or redirect the request path: stripPrefix, addPrefix, replacePath, redirectRegex... */
export const PATH_MIDDLEWARES: readonly MiddlewareEntry[] = [
  middlewareEntry('stripPrefix', createStripPrefix),
  middlewareEntry('stripPrefixRegex', createStripPrefixRegex),
  middlewareEntry('addPrefix', createAddPrefix),
  middlewareEntry('replacePath', createReplacePath),
  middlewareEntry('replacePathRegex', createReplacePathRegex),
  middlewareEntry('redirectRegex', createRedirectRegex),
  middlewareEntry('contentType', createContentType),
  middlewareEntry('encodedCharacters', createEncodedCharacters),
];
