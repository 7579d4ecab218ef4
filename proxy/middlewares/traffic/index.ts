import { middlewareEntry, type MiddlewareEntry } from '../middleware-entry.js';
import { createInFlightReq } from './in-flight-req.js';
import { createIpAllowList, createIpWhiteList } from './ip-allow-list.js';
import { createRateLimit } from './rate-limit.js';

/** Middlewares that admit or refuse requests: rate limits, in-flight limits, IP allow lists. */
export const TRAFFIC_MIDDLEWARES: readonly MiddlewareEntry[] = [
  middlewareEntry('rateLimit', createRateLimit),
  middlewareEntry('inFlightReq', createInFlightReq),
  middlewareEntry('ipAllowList', (options, next) => createIpAllowList(options, next)),
  middlewareEntry('ipWhiteList', createIpWhiteList),
];
