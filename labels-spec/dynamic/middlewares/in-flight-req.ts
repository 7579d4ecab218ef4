// inFlightReq: concurrent requests per source; the source defaults to the request Host.
import { strictObject } from '../../schema/strict-object.js';
import { int } from '../../schema/scalars.js';
import { sourceCriterion } from './source-criterion.js';

export const inFlightReq = strictObject({
  amount: int.default(0),
  sourceCriterion: sourceCriterion.default({ requestHost: true }),
});
