// retry: only requests that never reached a backend connection are retried.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int } from '../../schema/scalars.js';
import { duration } from '../../duration.js';

export const retry = strictObject({
  attempts: int.pipe(z.number().min(1, 'attempts must be greater than 0')),
  initialInterval: duration.default(0),
});

export type RetryOptions = z.output<typeof retry>;
