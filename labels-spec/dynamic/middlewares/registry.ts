// Canonical middleware type key -> options schema. The keys are also the suggestion list.
import { addPrefix } from './add-prefix.js';
import { basicAuth } from './basic-auth.js';
import { buffering } from './buffering.js';
import { chain } from './chain.js';
import { circuitBreaker } from './circuit-breaker.js';
import { compress } from './compress.js';
import { contentType } from './content-type.js';
import { digestAuth } from './digest-auth.js';
import { encodedCharacters } from './encoded-characters.js';
import { errors } from './errors.js';
import { forwardAuth } from './forward-auth.js';
import { grpcWeb } from './grpc-web.js';
import { headers } from './headers.js';
import { inFlightReq } from './in-flight-req.js';
import { ipAllowList, ipWhiteList } from './ip-allow-list.js';
import { passTLSClientCert } from './pass-tls-client-cert.js';
import { plugin } from './plugin.js';
import { rateLimit } from './rate-limit.js';
import { redirectRegex } from './redirect-regex.js';
import { redirectScheme } from './redirect-scheme.js';
import { replacePath } from './replace-path.js';
import { replacePathRegex } from './replace-path-regex.js';
import { retry } from './retry.js';
import { stripPrefix } from './strip-prefix.js';
import { stripPrefixRegex } from './strip-prefix-regex.js';

export const middlewareRegistry = {
  addPrefix,
  basicAuth,
  buffering,
  chain,
  circuitBreaker,
  compress,
  contentType,
  digestAuth,
  encodedCharacters,
  errors,
  forwardAuth,
  grpcWeb,
  headers,
  inFlightReq,
  ipAllowList,
  ipWhiteList,
  passTLSClientCert,
  plugin,
  rateLimit,
  redirectRegex,
  redirectScheme,
  replacePath,
  replacePathRegex,
  retry,
  stripPrefix,
  stripPrefixRegex,
} as const;

export type MiddlewareRegistry = typeof middlewareRegistry;
export type MiddlewareType = keyof MiddlewareRegistry;

export const middlewareTypes = Object.keys(middlewareRegistry) as readonly MiddlewareType[];
