import type { Handler, RequestContext } from '../../http/request-context.js';
import { goStatusText } from '../../http/go-status-text.js';
import { sendBareStatus } from '../../http/traefik-responses.js';
import { createClientIpStrategy, type IpStrategyOptions } from './client-ip-strategy.js';
import { IpChecker } from './ip-checker.js';

/** ipAllowList as labels-spec outputs it; ipWhiteList is the same without rejectStatusCode. */
export interface IpAllowListOptions {
  sourceRange: readonly string[];
  ipStrategy?: IpStrategyOptions | undefined;
  rejectStatusCode?: number | undefined;
}

/** Traefik's ipAllowList: requests whose client IP is outside sourceRange get the status text, no Content-Type. */
export function createIpAllowList(options: IpAllowListOptions, next: Handler, type = 'ipAllowList'): Handler {
  // 0 (unset) means 403 in Traefik; any other code must be one Go can name.
  const status = options.rejectStatusCode === undefined || options.rejectStatusCode === 0 ? 403 : options.rejectStatusCode;
  const text = goStatusText(status);
  if (text === '') throw new Error(`${type}.rejectStatusCode: invalid HTTP status code ${status}`);
  if (options.sourceRange.length === 0) throw new Error(`${type}.sourceRange is empty, IPAllowLister not created`);
  const allowed = new IpChecker(options.sourceRange, `${type}.sourceRange`);
  const clientIp = createClientIpStrategy(options.ipStrategy, `${type}.ipStrategy`);
  return (ctx: RequestContext): void => {
    if (allowed.authorizes(clientIp(ctx))) next(ctx);
    else sendBareStatus(ctx, status, text);
  };
}

/** The deprecated alias: always 403. */
export function createIpWhiteList(options: IpAllowListOptions, next: Handler): Handler {
  return createIpAllowList({ sourceRange: options.sourceRange, ipStrategy: options.ipStrategy }, next, 'ipWhiteList');
}
