import type { RequestContext } from '../../http/request-context.js';
import { createClientIpStrategy, type IpStrategyOptions } from './client-ip-strategy.js';
import { requestHeaderAsTraefikSees } from '../../http/forwarded-view.js';
import { sha256Hex } from '../../../labels-spec/sha256.js';

/** `sourceCriterion` as labels-spec outputs it (it already rejects more than one criterion). */
export interface SourceCriterionOptions {
  ipStrategy?: IpStrategyOptions | undefined;
  requestHeaderName?: string | undefined;
  requestHost?: boolean | undefined;
}

/** The key a request is counted under (its bucket or in-flight counter): see `countedKey`. */
export type SourceExtractor = (ctx: RequestContext) => string;

/**
 * Sources longer than this are counted under their SHA-256. A source from a request header (or X-Forwarded-For) is
 * as long as the client makes it (up to http.maxHeaderBytes, 1 MiB), and each distinct one is a key kept for the
 * bucket's ttl (up to a day for slow limits) by this process (up to 65,536 of them), by the primary of `--workers`,
 * or by Redis: kept as sent, a client uploading long distinct values would fill memory (or Redis, evicting other
 * sources' spent buckets). IPs and host names stay as Traefik keeps them.
 */
export const MAX_PLAIN_SOURCE = 256;

/** The key `source` is counted under: the source itself, or for a long one its digest (UTF-8 keeps distinct sources distinct). */
export function countedKey(source: string): string {
  return source.length <= MAX_PLAIN_SOURCE ? source : `sha256:${sha256Hex(source)}`;
}

/**
 * Traefik's GetSourceExtractor: ipStrategy, else the named request header's (first) value, else the Host
 * header with its port. With no criterion set, `fallback` applies: the client IP for rateLimit,
 * the Host for inFlightReq.
 */
export function createSourceExtractor(criterion: SourceCriterionOptions | undefined, fallback: 'ip' | 'host', option: string): SourceExtractor {
  const header = criterion?.requestHeaderName ?? '';
  const host = criterion?.requestHost === true;
  if (criterion?.ipStrategy !== undefined || (header === '' && !host && fallback === 'ip')) {
    const clientIp = createClientIpStrategy(criterion?.ipStrategy, `${option}.ipStrategy`);
    // depth and excludedIPs read X-Forwarded-For, whose entries are as long as the client makes them.
    return (ctx) => countedKey(clientIp(ctx));
  }
  if (header !== '') {
    const name = header.toLowerCase();
    // Go's Header.Get, after the entrypoint: an untrusted client's X-Real-Ip or X-Forwarded-For never picks its bucket.
    return (ctx) => countedKey(requestHeaderAsTraefikSees(ctx, name));
  }
  return (ctx) => countedKey(ctx.hostHeader);
}
