// replacePathRegex: applied to the escaped path; both values are trimmed as Traefik does.
import { strictObject } from '../../schema/strict-object.js';
import { nonEmptyStr, str } from '../../schema/scalars.js';

export const replacePathRegex = strictObject({
  regex: nonEmptyStr,
  replacement: str.transform((s) => s.trim()),
});
