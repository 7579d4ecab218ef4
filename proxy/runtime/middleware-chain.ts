import type { UpstreamPools } from '../forward/upstream-pools.js';
import type { Handler } from '../http/request-context.js';
import { middlewareFactory, type MiddlewareFactory } from '../middlewares/registry.js';
import type { ServiceLookup } from '../middlewares/middleware-entry.js';
import type { KeptState } from './kept-state.js';
import { didYouMean } from './name-suggestion.js';
import { qualify } from './qualified-name.js';
import type { RuntimeStatus } from './status.js';

/**
 * Wraps `service` in the router's middlewares, first = outermost, each instance built for this router
 * (Traefik keeps middleware state per router). `chain` middlewares are expanded in place.
 * Returns the error that disables the router when a middleware is missing, broken or not implemented.
 */
export function buildMiddlewareChain(
  names: readonly string[],
  routerName: string,
  instanceName: string,
  service: Handler,
  middlewares: Readonly<Record<string, Record<string, unknown>>>,
  status: RuntimeStatus,
  state: KeptState,
  upstreams: UpstreamPools | undefined,
  services: ServiceLookup = () => new Error('no services to resolve'),
): Handler | Error {
  const flat: { name: string; type: string; options: unknown }[] = [];
  const expanded = expand(names, routerName, middlewares, status, [], flat);
  if (expanded instanceof Error) return expanded;
  // Name the first middleware in the router's order that cannot run, as the user reads the list.
  for (const m of flat) {
    if (middlewareFactory(m.type) !== undefined) continue;
    const message = `middleware type "${m.type}" is not implemented yet in pe-edge`;
    status.addError('middleware', m.name, message, true);
    return new Error(`middleware "${m.name}": ${message}`);
  }
  let handler = service;
  for (let i = flat.length - 1; i >= 0; i--) {
    const m = flat[i] as { name: string; type: string; options: unknown };
    const factory = middlewareFactory(m.type) as MiddlewareFactory;
    try {
      const identity = `${instanceName}\u0000${m.name}\u0000${JSON.stringify(m.options)}`;
      handler = factory(m.options, handler, { keep: state.scope(identity), identity, limits: state.limits, redis: state.redis, router: routerName, middleware: m.name, onBreaker: state.onBreaker, upstreams, services });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      status.addError('middleware', m.name, message, true);
      return new Error(`middleware "${m.name}": ${message}`);
    }
  }
  return handler;
}

function expand(
  names: readonly string[],
  referencedFrom: string,
  middlewares: Readonly<Record<string, Record<string, unknown>>>,
  status: RuntimeStatus,
  stack: string[],
  out: { name: string; type: string; options: unknown }[],
): Error | undefined {
  for (const raw of names) {
    const name = qualify(raw, referencedFrom);
    if (stack.includes(name)) return new Error(`could not instantiate middleware ${name}: recursion detected in ${[...stack, name].join('->')}`);
    const config = middlewares[name];
    if (config === undefined) return new Error(`middleware "${name}" does not exist${didYouMean(name, Object.keys(middlewares))}`);
    status.declare('middleware', name);
    const types = Object.keys(config);
    if (types.length !== 1) {
      const message = 'cannot create middleware: multi-types middleware not supported, consider declaring two different pieces of middleware instead';
      status.addError('middleware', name, message, true);
      return new Error(`middleware "${name}": ${message}`);
    }
    const type = types[0] as string;
    if (type === 'chain') {
      const chain = config.chain as { middlewares?: string[] } | undefined;
      const failed = expand(chain?.middlewares ?? [], name, middlewares, status, [...stack, name], out);
      if (failed !== undefined) return failed;
      continue;
    }
    out.push({ name, type, options: config[type] });
  }
  return undefined;
}
