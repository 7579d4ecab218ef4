// weighted: weighted round robin over other services (file provider only in Traefik).
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, listOf, nonEmptyStr } from '../../schema/scalars.js';
import { propagatedHealthCheck } from './health-check.js';
import { sticky } from './sticky.js';

export const weighted = strictObject({
  services: listOf(strictObject({ name: nonEmptyStr, weight: int.default(1) })).default([]),
  sticky: sticky.optional(),
  healthCheck: propagatedHealthCheck.optional(),
});

export type Weighted = z.output<typeof weighted>;
