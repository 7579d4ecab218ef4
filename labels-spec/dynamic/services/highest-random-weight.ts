// highestRandomWeight (v3.6): rendezvous hashing of the client IP over child services (file provider only in Traefik).
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, listOf, nonEmptyStr } from '../../schema/scalars.js';
import { propagatedHealthCheck } from './health-check.js';

export const highestRandomWeight = strictObject({
  // weight <= 0: the child is never picked.
  services: listOf(strictObject({ name: nonEmptyStr, weight: int.default(1) })).default([]),
  healthCheck: propagatedHealthCheck.optional(),
});

export type HighestRandomWeight = z.output<typeof highestRandomWeight>;
