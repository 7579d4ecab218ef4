// stripPrefix: first matching prefix is removed; forceSlash is deprecated but honoured if true.
import { strictObject } from '../../schema/strict-object.js';
import { bool, strList } from '../../schema/scalars.js';

export const stripPrefix = strictObject({
  prefixes: strList.default([]),
  forceSlash: bool.optional(),
});
