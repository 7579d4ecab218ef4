// circuitBreaker: the expression is compiled by the proxy; only presence is checked here.
import { strictObject } from '../../schema/strict-object.js';
import { int, nonEmptyStr } from '../../schema/scalars.js';
import { duration } from '../../duration.js';

export const circuitBreaker = strictObject({
  expression: nonEmptyStr,
  checkPeriod: duration.default('100ms'),
  fallbackDuration: duration.default('10s'),
  recoveryDuration: duration.default('10s'),
  responseCode: int.default(503),
});
