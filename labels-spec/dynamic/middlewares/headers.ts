// headers: custom request/response headers, CORS and security headers (unrolled/secure).
// Options stay optional: which ones are set decides what the middleware does.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, str, strList, strMap } from '../../schema/scalars.js';
import { isConfiguredFieldValue, isToken } from '../../schema/header-syntax.js';
import { CONTROL_CHARACTER, headerValue, headerValueList } from '../../schema/header-value.js';

/**
 * Header name → value, as HTTP allows them: a CR or LF in a value would split the message (Go turns them into
 * spaces when it writes; pe-edge refuses the configuration and names the header instead). Text beyond ASCII is
 * allowed and sent as UTF-8, as Traefik sends it.
 */
const headerMap = strMap.superRefine((map, ctx) => {
  for (const [name, value] of Object.entries(map)) {
    if (!isToken(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid header name' });
    else if (!isConfiguredFieldValue(value)) ctx.addIssue({ code: 'custom', path: [name], message: CONTROL_CHARACTER });
  }
});

export const headers = strictObject({
  customRequestHeaders: headerMap.optional(),
  customResponseHeaders: headerMap.optional(),
  accessControlAllowCredentials: bool.optional(),
  accessControlAllowHeaders: headerValueList.optional(),
  accessControlAllowMethods: headerValueList.optional(),
  accessControlAllowOriginList: strList.optional(),
  accessControlAllowOriginListRegex: strList.optional(),
  accessControlExposeHeaders: headerValueList.optional(),
  accessControlMaxAge: int.optional(),
  addVaryHeader: bool.optional(),
  allowedHosts: strList.optional(),
  hostsProxyHeaders: strList.optional(),
  sslProxyHeaders: headerMap.optional(),
  stsSeconds: int.optional(),
  stsIncludeSubdomains: bool.optional(),
  stsPreload: bool.optional(),
  forceSTSHeader: bool.optional(),
  frameDeny: bool.optional(),
  customFrameOptionsValue: headerValue.optional(),
  contentTypeNosniff: bool.optional(),
  browserXssFilter: bool.optional(),
  customBrowserXSSValue: headerValue.optional(),
  contentSecurityPolicy: headerValue.optional(),
  contentSecurityPolicyReportOnly: headerValue.optional(),
  publicKey: headerValue.optional(),
  referrerPolicy: headerValue.optional(),
  permissionsPolicy: headerValue.optional(),
  isDevelopment: bool.optional(),
  // Deprecated: accepted, ignored by Traefik v3.2.
  featurePolicy: str.optional(),
  sslRedirect: bool.optional(),
  sslTemporaryRedirect: bool.optional(),
  sslHost: str.optional(),
  sslForceHost: bool.optional(),
}).superRefine((v, ctx) => {
  if (Object.values(v).every((x) => x === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'headers configuration not valid: set at least one option (e.g. customResponseHeaders)' });
  }
});

export type HeadersOptions = z.output<typeof headers>;
