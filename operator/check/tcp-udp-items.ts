// `pe-edge check`: every TCP and UDP router, service and middleware of the merged configuration as Traefik's
// /api/rawdata shows them (tcpRouters, tcpServices, tcpMiddlewares, udpRouters, udpServices), with the reference
// errors Traefik's router and service managers raise, in their words: an entry point that does not exist or has the
// other protocol, a missing service, middleware, TLS option or serversTransport.
import { defaultEntryPoints, entryPointProtocol, udpEntryPoints, withGoDurations, type DynamicConfig, type EntryPointAddress, type TcpService, type UdpService } from '../../labels-spec/index.js';
import { providerOf, type RawItem } from '../../proxy/api/rawdata.js';
import { didYouMean } from '../../proxy/runtime/name-suggestion.js';
import { qualify } from '../../proxy/runtime/qualified-name.js';

export interface TcpUdpRawData {
  tcpRouters?: Record<string, RawItem>;
  tcpServices?: Record<string, RawItem>;
  tcpMiddlewares?: Record<string, RawItem>;
  udpRouters?: Record<string, RawItem>;
  udpServices?: Record<string, RawItem>;
}

/** One item's status as it is worked out: a critical error disables it, another one marks it `warning`. */
class Item {
  readonly errors: string[] = [];
  readonly usedBy = new Set<string>();
  using: string[] = [];
  disabled = false;

  add(message: string, critical: boolean): void {
    if (!this.errors.includes(message)) this.errors.push(message);
    if (critical) this.disabled = true;
  }

  raw(config: object, name: string, extra: Record<string, unknown>): RawItem {
    return {
      ...config,
      ...extra,
      status: this.disabled ? 'disabled' : this.errors.length > 0 ? 'warning' : 'enabled',
      provider: providerOf(name),
      ...(this.errors.length > 0 ? { error: [...this.errors] } : {}),
    };
  }
}

type Protocol = 'tcp' | 'udp';

/** A router's entry points: its own or the defaults, each checked to exist with the router's protocol. */
function attach(item: Item, wanted: readonly string[] | undefined, defaults: readonly string[], protocol: Protocol, entryPoints: Readonly<Record<string, EntryPointAddress>>): void {
  for (const name of wanted === undefined || wanted.length === 0 ? defaults : wanted) {
    const ep = entryPoints[name];
    if (ep === undefined) item.add(`entryPoint "${name}" doesn't exist${didYouMean(name, Object.keys(entryPoints))}`, false);
    else if (entryPointProtocol(ep) !== protocol) {
      item.add(`entryPoint "${name}" is a ${protocol === 'tcp' ? 'UDP' : 'TCP'} entrypoint (address "${ep.address}"); a ${protocol.toUpperCase()} router needs a ${protocol.toUpperCase()} one`, false);
    } else item.using.push(name);
  }
  if (item.using.length === 0) item.add('no valid entryPoint for this router', true);
}

/** Checks each service once, children first; a service's error is what its routers report. */
class Services<S extends TcpService | UdpService> {
  readonly items = new Map<string, Item>();

  constructor(
    private readonly services: Readonly<Record<string, S>>,
    private readonly what: string,
    private readonly checkLoadBalancer: (service: S, name: string, item: Item) => void,
  ) {}

  /** The error that keeps `name` from serving, or undefined when it serves. */
  error(name: string, stack: readonly string[] = []): string | undefined {
    const service = this.services[name];
    if (service === undefined) return `the ${this.what}"${name}" does not exist${didYouMean(name, Object.keys(this.services))}`;
    if (stack.includes(name)) return `recursion detected in ${[...stack, name].join(' -> ')}`;
    let item = this.items.get(name);
    if (item === undefined) {
      item = new Item();
      this.items.set(name, item);
      if ('weighted' in service) {
        for (const child of service.weighted.services) {
          const childName = qualify(child.name, name);
          const error = this.error(childName, [...stack, name]);
          if (error !== undefined) item.add(`weighted child "${childName}": ${error}`, true);
        }
      } else this.checkLoadBalancer(service, name, item);
    }
    return item.disabled ? item.errors[0] : undefined;
  }

  /** Links a router to its service: the router carries the service's error, the service lists the router. */
  link(router: string, reference: string | undefined, item: Item, missing: string): void {
    if (reference === undefined || reference === '') return item.add(missing, true);
    const service = qualify(reference, router);
    const error = this.error(service);
    this.items.get(service)?.usedBy.add(router);
    if (error !== undefined) item.add(error, true);
  }
}

interface RouterLike { entryPoints?: string[] | undefined; service?: string | undefined }

/** Each router's entry points and service checked; `more` checks what only TCP routers have. */
function routerItems<R extends RouterLike>(
  routers: Readonly<Record<string, R>>, protocol: Protocol, defaults: readonly string[], entryPoints: Readonly<Record<string, EntryPointAddress>>,
  services: Services<TcpService> | Services<UdpService>, more: (name: string, router: R, item: Item) => void = () => undefined,
): Map<string, Item> {
  const items = new Map<string, Item>();
  for (const [name, router] of Object.entries(routers)) {
    const item = new Item();
    items.set(name, item);
    attach(item, router.entryPoints, defaults, protocol, entryPoints);
    more(name, router, item);
    services.link(name, router.service, item, protocol === 'tcp' ? 'the service is missing on the router' : 'the service is missing on the udp router');
  }
  return items;
}

const sorted = <T>(items: ReadonlyMap<string, T>): [string, T][] => [...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function tcpUdpRawData(config: Pick<DynamicConfig, 'tcp' | 'udp' | 'tls'>, entryPoints: Readonly<Record<string, EntryPointAddress>>): TcpUdpRawData {
  const { tcp, udp } = config;
  const tlsOptions = new Set(['default', ...Object.keys(config.tls.options)]);
  const tcpServices = new Services(tcp.services, 'service ', (service, name, item) => {
    if (!('loadBalancer' in service) || service.loadBalancer.serversTransport === undefined) return;
    const transport = qualify(service.loadBalancer.serversTransport, name);
    // default@internal is the static tcpServersTransport, always there.
    if (transport !== 'default@internal' && tcp.serversTransports[transport] === undefined) item.add(`serversTransport "${transport}" does not exist${didYouMean(transport, Object.keys(tcp.serversTransports))}`, true);
  });
  const udpServices = new Services(udp.services, 'UDP service ', () => undefined);
  const middlewares = new Map(Object.keys(tcp.middlewares).map((name) => [name, new Item()]));

  const tcpRouters = routerItems(tcp.routers, 'tcp', defaultEntryPoints(entryPoints), entryPoints, tcpServices, (name, router, item) => {
    if (router.tls !== undefined && !router.tls.passthrough) {
      const options = router.tls.options === undefined || router.tls.options === '' || router.tls.options === 'default' ? 'default' : qualify(router.tls.options, name);
      if (!tlsOptions.has(options)) item.add(`unknown TLS options: ${options}${didYouMean(options, [...tlsOptions])}`, true);
    }
    for (const middleware of router.middlewares ?? []) {
      const qualified = qualify(middleware, name);
      const used = middlewares.get(qualified);
      if (used === undefined) item.add(`middleware "${qualified}" does not exist${didYouMean(qualified, [...middlewares.keys()])}`, true);
      else used.usedBy.add(name);
    }
  });
  for (const name of Object.keys(tcp.services)) tcpServices.error(name);
  const udpRouters = routerItems(udp.routers, 'udp', udpEntryPoints(entryPoints), entryPoints, udpServices);
  for (const name of Object.keys(udp.services)) udpServices.error(name);

  const out: TcpUdpRawData = {};
  const section = <T extends object>(items: ReadonlyMap<string, Item>, configs: Readonly<Record<string, T>>, extra: (name: string, item: Item, config: T) => Record<string, unknown>): Record<string, RawItem> | undefined => {
    if (items.size === 0) return undefined;
    return Object.fromEntries(sorted(items).map(([name, item]) => [name, item.raw(configs[name] as T, name, extra(name, item, configs[name] as T))]));
  };
  const routerFields = (_name: string, item: Item): Record<string, unknown> => ({ using: [...item.using].sort() });
  const usedBy = (_name: string, item: Item): Record<string, unknown> => ({ usedBy: [...item.usedBy].sort() });
  const serviceFields = (_name: string, item: Item, service: TcpService | UdpService): Record<string, unknown> => ({
    ...usedBy(_name, item),
    ...('loadBalancer' in service ? { loadBalancer: withGoDurations('tcpService', 'loadBalancer', service.loadBalancer) } : {}),
    ...('loadBalancer' in service && !item.disabled ? { serverStatus: Object.fromEntries(service.loadBalancer.servers.map((s) => [s.address, 'UP'])) } : {}),
  });
  const entries: [keyof TcpUdpRawData, Record<string, RawItem> | undefined][] = [
    ['tcpRouters', section(tcpRouters, tcp.routers, routerFields)],
    ['tcpServices', section(tcpServices.items, tcp.services, serviceFields)],
    ['tcpMiddlewares', section(middlewares, tcp.middlewares, usedBy)],
    ['udpRouters', section(udpRouters, udp.routers, routerFields)],
    ['udpServices', section(udpServices.items, udp.services, serviceFields)],
  ];
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out;
}
