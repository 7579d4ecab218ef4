// mirroring: copies a percentage of requests to other services, responses discarded.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, listOf, nonEmptyStr } from '../../schema/scalars.js';
import { propagatedHealthCheck } from './health-check.js';

const mirror = strictObject({
  name: nonEmptyStr,
  percent: int.pipe(z.number().min(0).max(100, 'percent must be between 0 and 100')).default(0),
});

export const mirroring = strictObject({
  service: nonEmptyStr,
  mirrors: listOf(mirror).default([]),
  mirrorBody: bool.default(true),
  // -1: unlimited.
  maxBodySize: int.default(-1),
  healthCheck: propagatedHealthCheck.optional(),
});

export type Mirroring = z.output<typeof mirroring>;
