import type { Handler, RequestContext } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import { forward, type Upstream, type UpstreamFailover } from '../forward/forwarder.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { UpstreamTransport } from '../forward/upstream-transport.js';
import type { ActiveHealthCheck } from './health/active-health-check.js';
import type { HealthChecks } from './health/health-checks.js';
import type { LoadBalancerConfig } from './service-config.js';
import { cookieAttributes, defaultCookieName, fnv164Hex, fnv1a64Hex, readCookie, sanitizeCookieName } from './sticky-cookie.js';
import { WeightedRoundRobin, type WrrPosition } from './weighted-round-robin.js';

export interface LoadBalancer {
  readonly handler: Handler;
  readonly balancer: WeightedRoundRobin<Upstream>;
  readonly upstreams: readonly Upstream[];
  /** Null when the service has no healthCheck. */
  readonly health: ActiveHealthCheck | null;
  /** The sticky cookie name in use (generated when not configured), null when not sticky. */
  readonly cookieName: string | null;
}

/**
 * Retry target when a server cannot be reached: the next server in the rotation that this request has not
 * tried yet, so a container that is starting or gone costs no failed request while any server answers, even
 * when most of the pool left at once (a scale-down: their `kill` events may reach pe-edge after their ports
 * closed). A retry middleware's budget raises the count and may pick a tried server again once none is left.
 * A class rather than closures: there is one per service, thousands at scale.
 */
class OtherServer implements UpstreamFailover {
  constructor(
    private readonly balancer: WeightedRoundRobin<Upstream>,
    private readonly servers: number,
    readonly setCookieFor: (u: Upstream) => string | null,
  ) {}

  next(tried: readonly Upstream[], attempts: number, retries?: number): Upstream | undefined {
    if (attempts > Math.max(this.servers - 1, retries ?? 0)) return undefined;
    return this.balancer.nextExcept(tried) ?? (retries === undefined ? undefined : this.balancer.next());
  }
}

const noCookie = (): null => null;

/** Parses servers[].url; throws with the offending URL so the service is reported, not the process. */
export function parseServerUrl(raw: string): { origin: string; authority: string; path: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`invalid server URL "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`server URL "${raw}": scheme "${url.protocol.slice(0, -1)}" is not supported yet (use http or https)`);
  }
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return { origin: url.origin, authority: url.host, path };
}

/**
 * A loadBalancer service: WRR over its servers, each forwarding through a shared keep-alive pool,
 * optionally sticky (Traefik's cookie) and health-checked (servers reported DOWN are skipped).
 */
export function createLoadBalancer(
  serviceName: string,
  config: LoadBalancerConfig,
  transport: UpstreamTransport,
  pools: UpstreamPools,
  healthChecks: HealthChecks,
  /** Where the balancer this one replaces stood: the rotation continues from it. */
  from?: WrrPosition,
): LoadBalancer {
  const upstreams: Upstream[] = [];
  const weighted: { value: Upstream; weight: number }[] = [];
  for (const server of config.servers ?? []) {
    const { origin, authority, path } = parseServerUrl(server.url);
    const upstream: Upstream = { url: server.url, pool: pools.acquire(origin, transport), authority, basePath: server.preservePath === true ? path : '' };
    upstreams.push(upstream);
    weighted.push({ value: upstream, weight: server.weight ?? 1 });
  }
  const balancer = new WeightedRoundRobin(weighted, from === undefined ? undefined : { position: from, key: upstreamKey });
  const passHostHeader = config.passHostHeader !== false;

  let health: ActiveHealthCheck | null = null;
  if (config.healthCheck != null) {
    health = healthChecks.acquire(serviceName, config.healthCheck, upstreams.map((u) => u.url));
    const byUrl = new Map(upstreams.map((u) => [u.url, u]));
    health.attach((url, up) => {
      const upstream = byUrl.get(url);
      if (upstream !== undefined) balancer.setUp(upstream, up);
    });
  }

  const cookie = config.sticky?.cookie;
  if (cookie == null) {
    const failover = new OtherServer(balancer, upstreams.length, noCookie);
    const handler = (ctx: RequestContext): void => {
      ctx.serviceName = serviceName;
      const upstream = balancer.next();
      if (upstream === undefined) sendNoAvailableServer(ctx);
      else forward(ctx, upstream, passHostHeader, null, failover);
    };
    return { handler, balancer, upstreams, health, cookieName: null };
  }

  // Sticky: a cookie naming a healthy server sends the request there without a new cookie;
  // anything else is balanced and gets a cookie. Both Traefik value forms are accepted.
  const cookieName = cookie.name !== undefined && cookie.name !== '' ? sanitizeCookieName(cookie.name) : defaultCookieName(serviceName);
  const attributes = cookieAttributes(cookie);
  const byCookie = new Map<string, Upstream>();
  const setCookieOf = new Map<Upstream, string>();
  for (const u of upstreams) {
    const internalName = fnv1a64Hex(u.url);
    const value = fnv164Hex(internalName);
    byCookie.set(value, u);
    byCookie.set(internalName, u);
    setCookieOf.set(u, `${cookieName}=${value}${attributes}`);
  }
  const failover = new OtherServer(balancer, upstreams.length, (u) => setCookieOf.get(u) ?? null);
  const handler = (ctx: RequestContext): void => {
    ctx.serviceName = serviceName;
    const wanted = readCookie(ctx.req.headers.cookie, cookieName);
    const pinned = wanted === undefined ? undefined : byCookie.get(wanted);
    if (pinned !== undefined && balancer.isUp(pinned)) {
      forward(ctx, pinned, passHostHeader, null, failover);
      return;
    }
    const upstream = balancer.next();
    if (upstream === undefined) sendNoAvailableServer(ctx);
    else forward(ctx, upstream, passHostHeader, setCookieOf.get(upstream) ?? null, failover);
  };
  return { handler, balancer, upstreams, health, cookieName };
}

/** A server across balancers of one service: its URL. */
export const upstreamKey = (upstream: Upstream): string => upstream.url;
