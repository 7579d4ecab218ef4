// entryPoints.<name>: listeners with Traefik's per-entrypoint defaults.
import { isIP } from 'node:net';
import { z } from 'zod';
import { strictObject, looseObject } from '../schema/strict-object.js';
import { bool, int, nonEmptyStr, str, strList } from '../schema/scalars.js';
import { duration } from '../duration.js';
import { routerTls } from '../dynamic/router-tls.js';
import { address } from './address.js';
import { trimSpace } from '../schema/go-trim-space.js';

// Traefik uses math.MaxInt - 1; JS integers stop at 2^53 - 1.
const REDIRECT_PRIORITY = Number.MAX_SAFE_INTEGER - 1;

const redirectEntryPoint = strictObject({
  // An entrypoint name or ":<port>".
  to: nonEmptyStr,
  scheme: str.default('https'),
  permanent: bool.default(true),
  priority: int.default(REDIRECT_PRIORITY),
});

const entryPointHttp = strictObject({
  redirections: strictObject({ entryPoint: redirectEntryPoint.optional() }).optional(),
  middlewares: strList.optional(),
  tls: routerTls.optional(),
  encodeQuerySemicolons: bool.default(false),
  // v3.7: what request headers named with '_' get (Go compares the value as written; "" is keep).
  underscoreHeadersStrategy: str.pipe(z.enum(['', 'keep', 'delete', 'reject'])).transform((v) => (v === '' ? 'keep' : v)).default('keep'),
  maxHeaderBytes: int.default(1_048_576),
  // v3.3.6+: `.`/`..` segments and repeated slashes resolved before routing.
  sanitizePath: bool.default(true),
  // v3.6.4+ (all true by default since v3.6.7): escapes a routed path may hold; a false one answers 400.
  encodedCharacters: strictObject({
    allowEncodedSlash: bool.default(true),
    allowEncodedBackSlash: bool.default(true),
    allowEncodedNullCharacter: bool.default(true),
    allowEncodedSemicolon: bool.default(true),
    allowEncodedPercent: bool.default(true),
    allowEncodedQuestionMark: bool.default(true),
    allowEncodedHash: bool.default(true),
  }).optional(),
});

const transport = strictObject({
  respondingTimeouts: strictObject({
    readTimeout: duration.default('60s'),
    writeTimeout: duration.default(0),
    idleTimeout: duration.default('180s'),
  }).default({}),
  lifeCycle: strictObject({
    requestAcceptGraceTimeout: duration.default(0),
    graceTimeOut: duration.default('10s'),
  }).default({}),
  keepAliveMaxRequests: int.default(0),
  keepAliveMaxTime: duration.default(0),
});

export const entryPointSchema = strictObject({
  address,
  allowACMEByPass: bool.default(false),
  reusePort: bool.default(false),
  asDefault: bool.default(false),
  http: entryPointHttp.default({}),
  http2: strictObject({
    maxConcurrentStreams: int.pipe(z.number().min(0, 'maxConcurrentStreams must be >= 0')).default(250),
    // v3.7: HPACK dynamic table sizes, Go's defaults; Traefik refuses a negative one.
    maxDecoderHeaderTableSize: int.pipe(z.number().min(0, 'maxDecoderHeaderTableSize must be >= 0')).default(4096),
    maxEncoderHeaderTableSize: int.pipe(z.number().min(0, 'maxEncoderHeaderTableSize must be >= 0')).default(4096),
  }).default({}),
  http3: strictObject({ advertisedPort: int.optional() }).optional(),
  transport: transport.default({}),
  // Traefik refuses to start an entrypoint whose proxyProtocol trusts nobody (ip.NewChecker: no trusted IPs provided).
  proxyProtocol: strictObject({ insecure: bool.default(false), trustedIPs: strList.default([]) })
    .refine((p) => p.insecure || p.trustedIPs.length > 0, { message: 'proxyProtocol needs trustedIPs (IPs or CIDRs) or insecure: true', path: ['trustedIPs'] })
    .refine((p) => p.trustedIPs.every(isIpOrCidr), { message: 'proxyProtocol.trustedIPs: each entry must be an IP address or a CIDR', path: ['trustedIPs'] })
    .optional(),
  forwardedHeaders: strictObject({
    insecure: bool.default(false),
    trustedIPs: strList.default([]),
    connection: strList.default([]),
    // v3.7: X-Forwarded-For is sent upstream as received, the peer's address not appended.
    notAppendXForwardedFor: bool.default(false),
  }).default({}),
  udp: strictObject({ timeout: duration.default('3s') }).default({}),
  // v3.1+: per-entrypoint observability defaults.
  observability: looseObject.optional(),
});

/** An IP (v4 or v6) or a CIDR, as Traefik's ip.NewChecker takes it. */
function isIpOrCidr(raw: string): boolean {
  const entry = trimSpace(raw);
  const slash = entry.indexOf('/');
  const family = isIP(slash === -1 ? entry : entry.slice(0, slash));
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32);
}

export type EntryPointConfig = z.output<typeof entryPointSchema>;
