// forwardAuth: delegate authentication to `address`; v3.3/3.4 body and method options and the v3.6.9/3.7 keys included.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, str, strList } from '../../schema/scalars.js';

const absoluteUrl = str.refine((u) => URL.canParse(u), 'address must be an absolute URL such as http://auth:9000/verify');

export const forwardAuth = strictObject({
  address: absoluteUrl,
  tls: strictObject({
    ca: str.optional(),
    cert: str.optional(),
    key: str.optional(),
    insecureSkipVerify: bool.default(false),
    caOptional: bool.optional(),
  }).optional(),
  // Unset, false and true differ since Traefik v3.6.14 (unset keeps the old X-Forwarded-* handling).
  trustForwardHeader: bool.optional(),
  authResponseHeaders: strList.default([]),
  authResponseHeadersRegex: str.default(''),
  authRequestHeaders: strList.default([]),
  addAuthCookiesToResponse: strList.default([]),
  headerField: str.default(''),
  forwardBody: bool.default(false),
  maxBodySize: int.default(-1),
  preserveLocationHeader: bool.default(false),
  preserveRequestMethod: bool.default(false),
  // Traefik v3.6.9 (unset: no limit) and v3.7.
  maxResponseBodySize: int.optional(),
  authSigninURL: str.optional(),
});

export type ForwardAuthOptions = z.output<typeof forwardAuth>;
