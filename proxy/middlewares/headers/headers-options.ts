import { utf8OnTheWire } from '../../http/utf8-on-the-wire.js';

/** The `headers` middleware options as labels-spec validates them (all optional, no defaults). */
export interface HeadersOptions {
  customRequestHeaders?: Record<string, string> | undefined;
  customResponseHeaders?: Record<string, string> | undefined;
  accessControlAllowCredentials?: boolean | undefined;
  accessControlAllowHeaders?: string[] | undefined;
  accessControlAllowMethods?: string[] | undefined;
  accessControlAllowOriginList?: string[] | undefined;
  accessControlAllowOriginListRegex?: string[] | undefined;
  accessControlExposeHeaders?: string[] | undefined;
  accessControlMaxAge?: number | undefined;
  addVaryHeader?: boolean | undefined;
  allowedHosts?: string[] | undefined;
  hostsProxyHeaders?: string[] | undefined;
  sslProxyHeaders?: Record<string, string> | undefined;
  stsSeconds?: number | undefined;
  stsIncludeSubdomains?: boolean | undefined;
  stsPreload?: boolean | undefined;
  forceSTSHeader?: boolean | undefined;
  frameDeny?: boolean | undefined;
  customFrameOptionsValue?: string | undefined;
  contentTypeNosniff?: boolean | undefined;
  browserXssFilter?: boolean | undefined;
  customBrowserXSSValue?: string | undefined;
  contentSecurityPolicy?: string | undefined;
  contentSecurityPolicyReportOnly?: string | undefined;
  publicKey?: string | undefined;
  referrerPolicy?: string | undefined;
  permissionsPolicy?: string | undefined;
  isDevelopment?: boolean | undefined;
  // Deprecated and ignored, as Traefik v3.2 does; they still count as "secure options set".
  featurePolicy?: string | undefined;
  sslRedirect?: boolean | undefined;
  sslTemporaryRedirect?: boolean | undefined;
  sslHost?: string | undefined;
  sslForceHost?: boolean | undefined;
}

const len = (v: readonly unknown[] | string | undefined): number => v?.length ?? 0;
const size = (v: Record<string, string> | undefined): number => (v === undefined ? 0 : Object.keys(v).length);

/** Traefik's HasCustomHeadersDefined. */
export function hasCustomHeaders(o: HeadersOptions): boolean {
  return size(o.customRequestHeaders) !== 0 || size(o.customResponseHeaders) !== 0;
}

/** Traefik's HasCorsHeadersDefined. */
export function hasCorsHeaders(o: HeadersOptions): boolean {
  return o.accessControlAllowCredentials === true || len(o.accessControlAllowHeaders) !== 0
    || len(o.accessControlAllowMethods) !== 0 || len(o.accessControlAllowOriginList) !== 0
    || len(o.accessControlAllowOriginListRegex) !== 0 || len(o.accessControlExposeHeaders) !== 0
    || o.accessControlMaxAge !== undefined || o.addVaryHeader === true;
}

/** Traefik's HasSecureHeadersDefined (deprecated options count, though they do nothing). */
export function hasSecureHeaders(o: HeadersOptions): boolean {
  return len(o.allowedHosts) !== 0 || len(o.hostsProxyHeaders) !== 0 || o.sslRedirect === true
    || o.sslTemporaryRedirect === true || o.sslForceHost === true || len(o.sslHost) !== 0
    || size(o.sslProxyHeaders) !== 0 || o.stsSeconds !== undefined || o.stsIncludeSubdomains === true
    || o.stsPreload === true || o.forceSTSHeader === true || o.frameDeny === true
    || len(o.customFrameOptionsValue) !== 0 || o.contentTypeNosniff === true || o.browserXssFilter === true
    || len(o.customBrowserXSSValue) !== 0 || len(o.contentSecurityPolicy) !== 0
    || len(o.contentSecurityPolicyReportOnly) !== 0 || len(o.publicKey) !== 0 || len(o.referrerPolicy) !== 0
    || len(o.featurePolicy) !== 0 || len(o.permissionsPolicy) !== 0 || o.isDevelopment === true;
}

type TextMap = Record<string, string> | undefined;
const mapOnTheWire = (m: TextMap): TextMap => m && Object.fromEntries(Object.entries(m).map(([name, value]) => [name, utf8OnTheWire(value)]));
const listOnTheWire = (l: string[] | undefined): string[] | undefined => l?.map(utf8OnTheWire);
const oneOnTheWire = (v: string | undefined): string | undefined => (v === undefined ? v : utf8OnTheWire(v));

/**
 * The options with every text that becomes, or is compared with, a header value as the bytes Traefik sends
 * (see utf8-on-the-wire.ts). Origin regexes stay text: Go matches them against the request's text.
 */
export function headersOptionsOnTheWire(o: HeadersOptions): HeadersOptions {
  return {
    ...o,
    customRequestHeaders: mapOnTheWire(o.customRequestHeaders),
    customResponseHeaders: mapOnTheWire(o.customResponseHeaders),
    sslProxyHeaders: mapOnTheWire(o.sslProxyHeaders),
    accessControlAllowHeaders: listOnTheWire(o.accessControlAllowHeaders),
    accessControlAllowMethods: listOnTheWire(o.accessControlAllowMethods),
    accessControlAllowOriginList: listOnTheWire(o.accessControlAllowOriginList),
    accessControlExposeHeaders: listOnTheWire(o.accessControlExposeHeaders),
    allowedHosts: listOnTheWire(o.allowedHosts),
    customFrameOptionsValue: oneOnTheWire(o.customFrameOptionsValue),
    customBrowserXSSValue: oneOnTheWire(o.customBrowserXSSValue),
    contentSecurityPolicy: oneOnTheWire(o.contentSecurityPolicy),
    contentSecurityPolicyReportOnly: oneOnTheWire(o.contentSecurityPolicyReportOnly),
    publicKey: oneOnTheWire(o.publicKey),
    referrerPolicy: oneOnTheWire(o.referrerPolicy),
    permissionsPolicy: oneOnTheWire(o.permissionsPolicy),
  };
}
