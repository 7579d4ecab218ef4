// addPrefix: prepends `prefix` to the request path.
import { strictObject } from '../../schema/strict-object.js';
import { nonEmptyStr } from '../../schema/scalars.js';

export const addPrefix = strictObject({
  prefix: nonEmptyStr,
});
