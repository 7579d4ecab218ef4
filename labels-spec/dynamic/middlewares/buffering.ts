// buffering: Traefik v3.2 has no SetDefaults here, so unset sizes are 0.
import { strictObject } from '../../schema/strict-object.js';
import { int, str } from '../../schema/scalars.js';

export const buffering = strictObject({
  maxRequestBodyBytes: int.default(0),
  memRequestBodyBytes: int.default(0),
  maxResponseBodyBytes: int.default(0),
  memResponseBodyBytes: int.default(0),
  retryExpression: str.default(''),
});
