// ipAllowList (and its deprecated alias ipWhiteList, which has no rejectStatusCode).
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { int, strList } from '../../schema/scalars.js';
import { ipStrategy } from './source-criterion.js';

const sourceRange = strList.pipe(z.array(z.string()).min(1, 'sourceRange must list at least one IP or CIDR'));

export const ipAllowList = strictObject({
  sourceRange,
  ipStrategy: ipStrategy.optional(),
  rejectStatusCode: int.pipe(z.number().min(100).max(599, 'rejectStatusCode must be an HTTP status code')).default(403),
});

export const ipWhiteList = strictObject({
  sourceRange,
  ipStrategy: ipStrategy.optional(),
});
