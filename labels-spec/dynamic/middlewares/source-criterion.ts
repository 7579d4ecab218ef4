// Client-IP strategy and source criterion, shared by ipAllowList, rateLimit and inFlightReq.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, str, strList } from '../../schema/scalars.js';

export const ipStrategy = strictObject({
  depth: int.pipe(z.number().min(0, 'depth must be >= 0')).default(0),
  excludedIPs: strList.default([]),
  ipv6Subnet: int.pipe(z.number().min(1).max(128, 'ipv6Subnet must be between 1 and 128')).optional(),
});

/** Traefik allows exactly one criterion; which default applies depends on the middleware. */
export const sourceCriterion = strictObject({
  ipStrategy: ipStrategy.optional(),
  requestHeaderName: str.optional(),
  requestHost: bool.optional(),
}).superRefine((v, ctx) => {
  const set = [v.ipStrategy !== undefined, v.requestHeaderName !== undefined && v.requestHeaderName !== '', v.requestHost === true];
  if (set.filter(Boolean).length > 1) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'ipStrategy, requestHeaderName and requestHost are mutually exclusive; keep one' });
  }
});

export type IpStrategy = z.output<typeof ipStrategy>;
export type SourceCriterion = z.output<typeof sourceCriterion>;
