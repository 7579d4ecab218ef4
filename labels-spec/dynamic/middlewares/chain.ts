// chain: a named list of other middlewares, applied in order.
import { strictObject } from '../../schema/strict-object.js';
import { strList } from '../../schema/scalars.js';

export const chain = strictObject({
  middlewares: strList.default([]),
});
