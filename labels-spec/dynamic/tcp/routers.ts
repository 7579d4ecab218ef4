// tcp.routers.<name>: Traefik's TCPRouter. The rule (HostSNI, HostSNIRegexp, ClientIP, ALPN) is compiled by the proxy.
import { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, int, listOf, nonEmptyStr, str, strList } from '../../schema/scalars.js';
import { tlsDomain } from '../router-tls.js';

const MAX_PRIORITY = Number.MAX_SAFE_INTEGER - 1000;

/** Router TLS: presence (even `{}`) terminates TLS; `passthrough` routes on the ClientHello's SNI and relays the bytes untouched. */
export const tcpRouterTls = strictObject({
  passthrough: bool.default(false),
  options: str.optional(),
  certResolver: str.optional(),
  domains: listOf(tlsDomain).optional(),
});

export const tcpRouterSchema = strictObject({
  rule: nonEmptyStr,
  ruleSyntax: z.enum(['v3', 'v2']).optional(),
  entryPoints: strList.optional(),
  middlewares: strList.optional(),
  // Optional: label providers assign a service when a container defines exactly one.
  service: str.optional(),
  priority: int.pipe(z.number().min(-MAX_PRIORITY, 'priority is too small').max(MAX_PRIORITY, 'priority is too large')).optional(),
  tls: tcpRouterTls.optional(),
});

export type TcpRouterTls = z.output<typeof tcpRouterTls>;
export type TcpRouter = z.output<typeof tcpRouterSchema>;
