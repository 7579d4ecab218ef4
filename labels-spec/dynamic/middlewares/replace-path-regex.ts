// replacePathRegex: applied to the escaped path; both values are trimmed as Traefik does.
import { strictObject } from '../../schema/strict-object.js';
import { nonEmptyStr, str } from '../../schema/scalars.js';
import { trimSpace } from '../../schema/go-trim-space.js';

export const replacePathRegex = strictObject({
  regex: nonEmptyStr,
  replacement: str.transform(trimSpace),
});
