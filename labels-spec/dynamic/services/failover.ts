// failover: main service while it is healthy, else the fallback.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { nonEmptyStr } from '../../schema/scalars.js';
import { propagatedHealthCheck } from './health-check.js';

export const failover = strictObject({
  service: nonEmptyStr,
  fallback: nonEmptyStr,
  healthCheck: propagatedHealthCheck.optional(),
});

export type Failover = z.output<typeof failover>;
