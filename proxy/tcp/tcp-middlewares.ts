import type { TcpMiddleware } from '../../labels-spec/dynamic/tcp/index.js';
import { IpChecker } from '../middlewares/traffic/ip-checker.js';
import { qualify } from '../runtime/qualified-name.js';
import type { TcpHandler } from './tcp-connection.js';

/**
 * Traefik's TCP middlewares, checked once per connection before its service dials: `ipAllowList` (and its
 * deprecated name `ipWhiteList`) closes a connection from outside `sourceRange` at once; `inFlightConn` closes one
 * beyond `amount` open at once from the same client IP. Each router's chain has its own counters.
 */
export function tcpMiddleware(config: TcpMiddleware, next: TcpHandler): TcpHandler {
  if ('inFlightConn' in config) return inFlightConn(config.inFlightConn.amount, next);
  const allow = 'ipAllowList' in config ? config.ipAllowList : config.ipWhiteList;
  let checker: IpChecker;
  try {
    checker = new IpChecker(allow.sourceRange, 'sourceRange');
  } catch (err) {
    throw new Error(`cannot parse CIDRs ${JSON.stringify(allow.sourceRange)}: ${(err as Error).message}`);
  }
  return (conn) => {
    if (checker.contains(conn.clientIp)) next(conn);
    else conn.stream.destroy();
  };
}

function inFlightConn(amount: number, next: TcpHandler): TcpHandler {
  // Per middleware instance, by client IP: open connections, dropped from the map at zero.
  const open = new Map<string, number>();
  return (conn) => {
    const ip = conn.clientIp;
    const count = open.get(ip) ?? 0;
    if (count >= amount) {
      conn.stream.destroy();
      return;
    }
    open.set(ip, count + 1);
    conn.stream.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
    next(conn);
  };
}

/** The router's middlewares around its service, first listed outermost; an unknown or bad middleware is the router's error. */
export function tcpChain(router: string, names: readonly string[], middlewares: Readonly<Record<string, TcpMiddleware>>, service: TcpHandler): TcpHandler | Error {
  let handler = service;
  for (let i = names.length - 1; i >= 0; i--) {
    const name = qualify(names[i] as string, router);
    const config = middlewares[name];
    if (config === undefined) return new Error(`middleware "${name}" does not exist`);
    try {
      handler = tcpMiddleware(config, handler);
    } catch (err) {
      return new Error(`middleware "${name}": ${(err as Error).message}`);
    }
  }
  return handler;
}
