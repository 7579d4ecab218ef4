// contentType: `{}` re-enables content sniffing; `autoDetect: false` (deprecated) makes it a no-op.
import { strictObject } from '../../schema/strict-object.js';
import { bool } from '../../schema/scalars.js';

export const contentType = strictObject({
  autoDetect: bool.optional(),
});
