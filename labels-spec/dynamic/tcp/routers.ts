// tcp.routers.<name>: Traefik's TCPRouter. The rule (HostSNI, HostSNIRegexp, ClientIP, ALPN) is compiled by the proxy.
import type { z } from 'zod';
import { strictObject } from '../../schema/strict-object.js';
import { bool, listOf, str } from '../../schema/scalars.js';
import { tlsDomain } from '../router-tls.js';
import { routerCommon } from '../routers.js';

/** Router TLS: presence (even `{}`) terminates TLS; `passthrough` routes on the ClientHello's SNI and relays the bytes untouched. */
export const tcpRouterTls = strictObject({
  passthrough: bool.default(false),
  options: str.optional(),
  certResolver: str.optional(),
  domains: listOf(tlsDomain).optional(),
});

export const tcpRouterSchema = strictObject({
  ...routerCommon,
  tls: tcpRouterTls.optional(),
});

export type TcpRouterTls = z.output<typeof tcpRouterTls>;
export type TcpRouter = z.output<typeof tcpRouterSchema>;
