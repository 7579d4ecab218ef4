// errors: status ranges like "500" or "500-599" answered by another service.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, listOf, nonEmptyStr, str, strList } from '../../schema/scalars.js';
import { STATUS_RANGE, STATUS_RANGE_MESSAGE as RANGE_MESSAGE, statusRange } from '../../schema/status-range.js';
import { trimSpace } from '../../schema/go-trim-space.js';

export const errors = strictObject({
  status: listOf(statusRange).pipe(z.array(z.string()).min(1, 'status must list at least one code or range')),
  service: nonEmptyStr,
  query: str.default(''),
  // v3.4: map of original status (or range) to the status sent to the client.
  statusRewrites: z.preprocess((v) => (v === null ? {} : v), z.record(int)).superRefine((map, ctx) => {
    for (const [key, to] of Object.entries(map)) {
      if (!STATUS_RANGE.test(trimSpace(key))) ctx.addIssue({ code: 'custom', path: [key], message: RANGE_MESSAGE });
      else if (to < 200 || to > 999) ctx.addIssue({ code: 'custom', path: [key], message: 'the new status must be between 200 and 999' });
    }
  }).optional(),
  // v3.6.15: the request headers the error page request carries; unset: all of them, []: none.
  errorRequestHeaders: strList.optional(),
});
