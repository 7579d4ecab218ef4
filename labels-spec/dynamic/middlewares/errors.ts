// errors: status ranges like "500" or "500-599" answered by another service.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, listOf, nonEmptyStr, str, strList } from '../../schema/scalars.js';

const STATUS_RANGE = /^\d{3}(-\d{3})?$/;
const statusRange = str.refine((s) => STATUS_RANGE.test(s.trim()), 'status must be a code ("500") or an inclusive range ("500-599")');

export const errors = strictObject({
  status: listOf(statusRange).pipe(z.array(z.string()).min(1, 'status must list at least one code or range')),
  service: nonEmptyStr,
  query: str.default(''),
  // v3.4: map of original status (or range) to the status sent to the client.
  statusRewrites: z.preprocess((v) => (v === null ? {} : v), z.record(int)).optional(),
  // v3.7: accepted, warned by name when set.
  errorRequestHeaders: strList.optional(),
});
