import { responseHooks, type Handler, type RequestContext, type ResponseHeaders } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import type { ServiceHealth } from './service-health.js';
import { followChildren } from './followed-children.js';
import { WeightedRoundRobin } from './strategies/weighted-round-robin.js';
import { acceptedCookieValues, cookieAttributes, defaultCookieName, fnv164Hex, readCookie, sanitizeCookieName, type StickyCookieOptions } from './sticky-cookie.js';

export interface WeightedChild {
  /** The child's name as the weighted service lists it: what its sticky cookie value hashes. */
  name: string;
  handler: Handler;
  weight: number;
  /** The child's status, followed when the weighted service has `healthCheck: {}`; undefined otherwise. */
  health?: ServiceHealth | undefined;
}

export interface WeightedService {
  handler: Handler;
  /** Up while a child with a weight is up; only meaningful with `healthCheck: {}`. */
  health: ServiceHealth;
}

/**
 * A `weighted` service: the same EDF round robin, over child services instead of servers. With
 * `healthCheck: {}` (every child then has a health) a child that is down is skipped, as Traefik's balancer
 * skips a child that reported DOWN.
 */
export function createWeightedService(
  children: readonly WeightedChild[],
  /** `weighted.sticky.cookie` with the qualified service name its default cookie name derives from. */
  sticky?: { serviceName: string; cookie: StickyCookieOptions },
): WeightedService {
  const balancer = new WeightedRoundRobin(children.map((c) => ({ value: c, weight: c.weight })));
  const { refresh, health } = followChildren(balancer, children);
  if (sticky !== undefined) return { handler: stickyWeighted(children, balancer, refresh, sticky.serviceName, sticky.cookie), health };
  const handler = refresh === null
    ? (ctx: RequestContext): void => {
      const child = balancer.next();
      if (child === undefined) sendNoAvailableServer(ctx);
      else child.handler(ctx);
    }
    : (ctx: RequestContext): void => {
      refresh();
      const child = balancer.next();
      if (child === undefined) sendNoAvailableServer(ctx);
      else child.handler(ctx);
    };
  return { handler, health };
}

/**
 * `weighted.sticky.cookie`, as Traefik v3.2's wrr: a cookie naming an up child (its name, or hex FNV-1 64 of it)
 * sends the request there without a new cookie; anything else is balanced and the answer sets a cookie naming
 * the child picked. The cookie is set before the child runs, so its own answers (503, errors) carry it too.
 */
function stickyWeighted(
  children: readonly WeightedChild[],
  balancer: WeightedRoundRobin<WeightedChild>,
  refresh: (() => void) | null,
  serviceName: string,
  cookie: StickyCookieOptions,
): Handler {
  const cookieName = cookie.name !== undefined && cookie.name !== '' ? sanitizeCookieName(cookie.name) : defaultCookieName(serviceName);
  const attributes = cookieAttributes(cookie);
  const byCookie = new Map<string, WeightedChild>();
  const setCookieHooks = new Map<WeightedChild, (status: number, headers: ResponseHeaders) => void>();
  for (const child of children) {
    const value = fnv164Hex(child.name);
    for (const accepted of acceptedCookieValues(child.name)) byCookie.set(accepted, child);
    const setCookie = `${cookieName}=${value}${attributes}`;
    setCookieHooks.set(child, (_status, headers) => {
      const existing = headers['set-cookie'];
      headers['set-cookie'] = existing === undefined ? [setCookie] : [...(Array.isArray(existing) ? existing : [existing]), setCookie];
    });
  }
  return (ctx: RequestContext): void => {
    refresh?.();
    const wanted = readCookie(ctx.req.headers.cookie, cookieName);
    const pinned = wanted === undefined ? undefined : byCookie.get(wanted);
    if (pinned !== undefined && balancer.isUp(pinned)) {
      pinned.handler(ctx);
      return;
    }
    const child = balancer.next();
    if (child === undefined) {
      sendNoAvailableServer(ctx);
      return;
    }
    responseHooks(ctx).headers.push(setCookieHooks.get(child) as (status: number, headers: ResponseHeaders) => void);
    child.handler(ctx);
  };
}
