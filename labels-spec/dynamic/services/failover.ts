// failover: main service while it is healthy, else the fallback.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, nonEmptyStr, strList } from '../../schema/scalars.js';
import { propagatedHealthCheck } from './health-check.js';

export const failover = strictObject({
  service: nonEmptyStr,
  fallback: nonEmptyStr,
  healthCheck: propagatedHealthCheck.optional(),
  // v3.7: also fail over when the main service answers one of these statuses (warned as not implemented when set).
  errors: strictObject({
    maxRequestBodyBytes: int.optional(),
    status: strList.optional(),
  }).optional(),
});

export type Failover = z.output<typeof failover>;
