// failover: main service while it is healthy, else the fallback; v3.7 also on the main service's error answers.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, listOf, nonEmptyStr } from '../../schema/scalars.js';
import { statusRange } from '../../schema/status-range.js';
import { propagatedHealthCheck } from './health-check.js';

export const failover = strictObject({
  service: nonEmptyStr,
  fallback: nonEmptyStr,
  healthCheck: propagatedHealthCheck.optional(),
  // v3.7: an answer of the main service with one of these statuses is dropped and the request sent to the
  // fallback; its body is held to be sent again, up to maxRequestBodyBytes (-1, Traefik's default: no limit).
  errors: strictObject({
    maxRequestBodyBytes: int.default(-1),
    status: listOf(statusRange).optional(),
  }).optional(),
});

export type Failover = z.output<typeof failover>;
