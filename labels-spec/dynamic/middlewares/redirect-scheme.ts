// redirectScheme: without `port` the original port is dropped (Traefik behaviour).
import { strictObject } from '../../schema/strict-object.js';
import { bool, nonEmptyStr, str } from '../../schema/scalars.js';

export const redirectScheme = strictObject({
  scheme: nonEmptyStr,
  port: str.optional(),
  permanent: bool.default(false),
  // v3.6: 308 instead of 301 for non-GET.
  forcePermanentRedirect: bool.default(false),
});
