// retry: only requests that never reached a backend connection are retried.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, strList } from '../../schema/scalars.js';
import { duration } from '../../duration.js';

export const retry = strictObject({
  attempts: int.pipe(z.number().min(1, 'attempts must be greater than 0')),
  initialInterval: duration.default(0),
  // Traefik v3.7: accepted so a v3.7 file or label loads; not implemented yet, each warned by name when set.
  timeout: duration.optional(),
  maxRequestBodyBytes: int.optional(),
  status: strList.optional(),
  disableRetryOnNetworkError: bool.optional(),
  retryNonIdempotentMethod: bool.optional(),
});

export type RetryOptions = z.output<typeof retry>;
