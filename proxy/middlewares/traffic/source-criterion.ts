import type { RequestContext } from '../../http/request-context.js';
import { createClientIpStrategy, type IpStrategyOptions } from './client-ip-strategy.js';
import { firstHeaderValue } from '../../http/request-header-edit.js';

/** `sourceCriterion` as labels-spec outputs it (it already rejects more than one criterion). */
export interface SourceCriterionOptions {
  ipStrategy?: IpStrategyOptions | undefined;
  requestHeaderName?: string | undefined;
  requestHost?: boolean | undefined;
}

/** The key a request is counted under (its bucket or in-flight counter). */
export type SourceExtractor = (ctx: RequestContext) => string;

/**
 * Traefik's GetSourceExtractor: ipStrategy, else the named request header's (first) value, else the Host
 * header with its port. With no criterion set, `fallback` applies: the client IP for rateLimit,
 * the Host for inFlightReq.
 */
export function createSourceExtractor(criterion: SourceCriterionOptions | undefined, fallback: 'ip' | 'host', option: string): SourceExtractor {
  const header = criterion?.requestHeaderName ?? '';
  const host = criterion?.requestHost === true;
  if (criterion?.ipStrategy !== undefined || (header === '' && !host && fallback === 'ip')) {
    return createClientIpStrategy(criterion?.ipStrategy, `${option}.ipStrategy`);
  }
  if (header !== '') {
    const name = header.toLowerCase();
    return (ctx) => {
      // Go's Header.Get: the first line only.
      return firstHeaderValue(ctx.req.headers[name]);
    };
  }
  return (ctx) => ctx.hostHeader;
}
