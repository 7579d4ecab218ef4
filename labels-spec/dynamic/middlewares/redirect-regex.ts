// redirectRegex: `replacement` uses Go ReplaceAllString syntax ($1, ${name}).
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, nonEmptyStr, str } from '../../schema/scalars.js';

export const redirectRegex = strictObject({
  regex: nonEmptyStr,
  replacement: str,
  permanent: bool.default(false),
  // v3.7: explicit redirect status.
  statusCode: int.optional(),
});
