import type { Handler, RequestContext } from '../http/request-context.js';
import { sendNoAvailableServer } from '../http/traefik-responses.js';
import { forward, type ExchangeObserver, type Upstream, type UpstreamFailover } from '../forward/forwarder.js';
import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { UpstreamTransport } from '../forward/upstream-transport.js';
import type { ActiveHealthCheck } from './health/active-health-check.js';
import type { HealthChecks } from './health/health-checks.js';
import type { LoadBalancerConfig } from './service-config.js';
import { acceptedCookieValues, cookieAttributes, defaultCookieName, fnv164Hex, fnv1a64Hex, readCookie, sanitizeCookieName } from './sticky-cookie.js';
import { WeightedRoundRobin, type WrrPosition } from './strategies/weighted-round-robin.js';
import type { ExchangeMeter, ServerBalancer } from './strategies/server-balancer.js';
import { PowerOfTwoChoices } from './strategies/power-of-two-choices.js';
import { RendezvousHash } from './strategies/rendezvous-hash.js';
import { LeastTime } from './strategies/least-time.js';
import { PassiveHealth } from './passive-health.js';

export interface LoadBalancer {
  readonly handler: Handler;
  readonly balancer: ServerBalancer<Upstream>;
  /** Null when the service has no passiveHealthCheck. */
  readonly passive: PassiveHealth | null;
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
    private readonly balancer: ServerBalancer<Upstream>,
    private readonly upstreams: readonly Upstream[],
    readonly setCookieFor: (u: Upstream) => string | null,
    readonly observer: ExchangeObserver | null,
  ) {}

  next(tried: readonly Upstream[], attempts: number, retries: number | undefined, clientIp: string): Upstream | undefined {
    if (attempts > Math.max(this.upstreams.length - 1, retries ?? 0)) return undefined;
    const departed = this.departed();
    const configured = departed.length === 0 ? undefined : this.balancer.nextExcept([...tried, ...departed], clientIp);
    return configured ?? this.balancer.nextExcept(tried, clientIp) ?? (retries === undefined ? undefined : this.balancer.next(clientIp));
  }

  /**
   * `picked`, unless its server left the configuration while the request was on its way (a request of an old
   * runtime, held by a middleware across a reload): then a server of the service still configured, while there is
   * one. A removed container's address may swallow a dial for seconds.
   */
  configured(picked: Upstream, clientIp: string): Upstream {
    if (!picked.pool.closed) return picked;
    return this.balancer.nextExcept(this.departed(), clientIp) ?? picked;
  }

  /**
   * A sticky cookie's server is given up only for a server still configured: when none is (a reload that changed
   * the serversTransport closes every pool of the old runtime), the pinned server is as good as any other.
   */
  passesOver(pinned: Upstream): boolean {
    return pinned.pool.closed && this.upstreams.some((u) => !u.pool.closed && this.balancer.isUp(u));
  }

  /** Servers whose pool closed: no configuration uses them any more. */
  private departed(): Upstream[] {
    return this.upstreams.filter((u) => u.pool.closed);
  }
}

/** The strategy's meter and the passive health check, as the forwarder's one observer. */
class ExchangeHooks implements ExchangeObserver {
  constructor(
    private readonly meter: ExchangeMeter<Upstream> | null,
    private readonly passive: PassiveHealth | null,
  ) {}

  started(upstream: Upstream): void {
    this.meter?.started(upstream);
  }

  answered(upstream: Upstream, _status: number, ms: number): void {
    this.meter?.answered(upstream, ms);
  }

  ended(upstream: Upstream, failed: boolean): void {
    this.meter?.ended(upstream);
    this.passive?.ended(upstream, failed);
  }
}

/** loadBalancer.strategy's balancer over the servers; `from` continues a wrr rotation. */
function createStrategy(strategy: string | undefined, weighted: readonly { value: Upstream; weight: number }[], from: WrrPosition | undefined): ServerBalancer<Upstream> {
  switch (strategy) {
    case 'p2c':
      return new PowerOfTwoChoices(weighted.map((w) => w.value));
    case 'hrw':
      return new RendezvousHash(weighted.map((w) => ({ ...w, name: w.value.url })));
    case 'leasttime':
      return new LeastTime(weighted);
    default:
      return new WeightedRoundRobin(weighted, from === undefined ? undefined : { position: from, key: upstreamKey });
  }
}

const noCookie = (): null => null;
/** Traefik's default responseForwarding.flushInterval, for a configuration that did not go through the schema. */
const DEFAULT_FLUSH_INTERVAL_MS = 100;

/** Parses servers[].url; throws with the offending URL so the service is reported, not the process. */
export function parseServerUrl(raw: string): { origin: string; authority: string; path: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`invalid server URL "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'h2c:') {
    throw new Error(`server URL "${raw}": scheme "${url.protocol.slice(0, -1)}" is not supported (use http, https or h2c)`);
  }
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  // WHATWG URLs give h2c (not a special scheme) no origin: it is spelled out, as for http.
  return { origin: url.protocol === 'h2c:' ? `h2c://${url.host}` : url.origin, authority: url.host, path };
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
  /** Hears the passive health check's transitions (logs, metrics). */
  onPassive: (serviceName: string, serverUrl: string, up: boolean, reason: string) => void = () => undefined,
): LoadBalancer {
  const upstreams: Upstream[] = [];
  const flushIntervalMs = config.responseForwarding?.flushInterval ?? DEFAULT_FLUSH_INTERVAL_MS;
  const weighted: { value: Upstream; weight: number }[] = [];
  for (const server of config.servers ?? []) {
    const { origin, authority, path } = parseServerUrl(server.url);
    const upstream: Upstream = {
      url: server.url, pool: pools.acquire(origin, transport), authority, basePath: server.preservePath === true ? path : '', flushIntervalMs,
    };
    upstreams.push(upstream);
    weighted.push({ value: upstream, weight: server.weight ?? 1 });
  }
  const balancer = createStrategy(config.strategy, weighted, from);
  const passHostHeader = config.passHostHeader !== false;

  let health: ActiveHealthCheck | null = null;
  if (config.healthCheck != null) {
    health = healthChecks.acquire(serviceName, config.healthCheck, upstreams.map((u) => u.url), transport);
    const byUrl = new Map(upstreams.map((u) => [u.url, u]));
    health.attach((url, up) => {
      const upstream = byUrl.get(url);
      if (upstream !== undefined) balancer.setUp(upstream, up);
    });
  }

  let passive: PassiveHealth | null = null;
  if (config.passiveHealthCheck != null) {
    passive = new PassiveHealth(config.passiveHealthCheck, {
      setUp: (u, up) => balancer.setUp(u, up),
      isUp: (u) => balancer.isUp(u),
      transition: (url, up, reason) => onPassive(serviceName, url, up, reason),
    }, health !== null);
  }
  const observer = balancer.meter === null && passive === null ? null : new ExchangeHooks(balancer.meter, passive);

  // Traefik's hrw has no sticky cookie: the client's IP is what pins it.
  const cookie = config.strategy === 'hrw' ? null : config.sticky?.cookie;
  if (cookie == null) {
    const failover = new OtherServer(balancer, upstreams, noCookie, observer);
    const handler = (ctx: RequestContext): void => {
      ctx.serviceName = serviceName;
      const upstream = balancer.next(ctx.clientIp);
      if (upstream === undefined) sendNoAvailableServer(ctx);
      else forward(ctx, failover.configured(upstream, ctx.clientIp), passHostHeader, null, failover);
    };
    return { handler, balancer, passive, upstreams, health, cookieName: null };
  }

  // Sticky: a cookie naming a healthy server sends the request there without a new cookie;
  // anything else is balanced and gets a cookie. Every Traefik version's value forms are accepted.
  const cookieName = cookie.name !== undefined && cookie.name !== '' ? sanitizeCookieName(cookie.name) : defaultCookieName(serviceName);
  const attributes = cookieAttributes(cookie);
  const byCookie = new Map<string, Upstream>();
  const setCookieOf = new Map<Upstream, string>();
  for (const u of upstreams) {
    const internalName = fnv1a64Hex(u.url);
    for (const value of acceptedCookieValues(internalName, u.url)) byCookie.set(value, u);
    setCookieOf.set(u, `${cookieName}=${fnv164Hex(internalName)}${attributes}`);
  }
  const failover = new OtherServer(balancer, upstreams, (u) => setCookieOf.get(u) ?? null, observer);
  const handler = (ctx: RequestContext): void => {
    ctx.serviceName = serviceName;
    const wanted = readCookie(ctx.req.headers.cookie, cookieName);
    const pinned = wanted === undefined ? undefined : byCookie.get(wanted);
    if (pinned !== undefined && balancer.isUp(pinned) && !failover.passesOver(pinned)) {
      forward(ctx, pinned, passHostHeader, null, failover);
      return;
    }
    const picked = balancer.next(ctx.clientIp);
    if (picked === undefined) return sendNoAvailableServer(ctx);
    const upstream = failover.configured(picked, ctx.clientIp);
    forward(ctx, upstream, passHostHeader, setCookieOf.get(upstream) ?? null, failover);
  };
  return { handler, balancer, passive, upstreams, health, cookieName };
}

/** A server across balancers of one service: its URL. */
export const upstreamKey = (upstream: Upstream): string => upstream.url;
