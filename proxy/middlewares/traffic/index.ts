import type { MiddlewareEntry } from '../middleware-entry.js';
import { createInFlightReq, type InFlightReqOptions } from './in-flight-req.js';
import { createIpAllowList, createIpWhiteList, type IpAllowListOptions } from './ip-allow-list.js';
import { createRateLimit, type RateLimitOptions } from './rate-limit.js';

/** Middlewares that admit or refuse requests: rate limits, in-flight limits, IP allow lists. */
export const TRAFFIC_MIDDLEWARES: readonly MiddlewareEntry[] = [
  ['rateLimit', (options, next, scope) => createRateLimit(options as RateLimitOptions, next, scope)],
  ['inFlightReq', (options, next, scope) => createInFlightReq(options as InFlightReqOptions, next, scope)],
  ['ipAllowList', (options, next) => createIpAllowList(options as IpAllowListOptions, next)],
  ['ipWhiteList', (options, next) => createIpWhiteList(options as IpAllowListOptions, next)],
];
