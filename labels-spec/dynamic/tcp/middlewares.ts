// tcp.middlewares.<name>: Traefik's TCP middlewares, checked once per connection.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { oneOf } from '../../schema/one-of.js';
import { int, strList } from '../../schema/scalars.js';

const sourceRange = strList.pipe(z.array(z.string()).min(1, 'sourceRange must list at least one IP or CIDR'));

export const tcpMiddlewareRegistry = {
  // Connections beyond `amount` open at once (per middleware, by client IP) are closed at once.
  inFlightConn: strictObject({ amount: int.pipe(z.number().min(1, 'amount must be >= 1')) }),
  // Connections from outside the ranges are closed at once (no ipStrategy: TCP sees the peer address only).
  ipAllowList: strictObject({ sourceRange }),
  // Deprecated alias of ipAllowList.
  ipWhiteList: strictObject({ sourceRange }),
} as const;

export const tcpMiddlewareSchema = oneOf('TCP middleware', tcpMiddlewareRegistry);

export type TcpMiddleware = z.output<typeof tcpMiddlewareSchema>;
