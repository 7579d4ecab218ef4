import type net from 'node:net';
import { clientAddress } from '../http/request-target.js';
import type { ConnData } from './conn-data.js';
import type { TcpHandler } from './tcp-connection.js';
import { domainMatchesHost } from './tcp-matchers.js';
import type { TcpRouteTable } from './tcp-route-table.js';
import type { TlsTermination } from './tls-termination.js';

/** What a matched TCP router runs: its middlewares and service, behind its TLS termination when it has one. */
export interface TcpTarget {
  readonly name: string;
  readonly handler: TcpHandler;
  /** Null for plain TCP and TLS passthrough: the bytes are relayed as they come. */
  readonly termination: TlsTermination | null;
}

/**
 * A ClientHello the sniff could not read (malformed, longer than it reads): Traefik's clientHelloInfo still calls the
 * connection TLS, with no SNI and no ALPN when Go's parse fails, so TLS TCP routers that need neither (HostSNI(`*`),
 * ClientIP) still take it; only the HTTPS handler's own handshake would refuse it.
 */
export const UNREAD_HELLO: { readonly serverName: null; readonly alpn: readonly string[] } = { serverName: null, alpn: [] };

/**
 * The TCP routers of one entrypoint, and the hosts of its HTTPS routers, with Traefik's precedence between them
 * (pkg/server/router/tcp/router.go). Built with the runtime: a reload swaps it with no listener restart.
 */
export class TcpEntryPointRouting {
  constructor(
    /** Routers without `tls`: plain TCP, in practice `HostSNI(`*`)` (with ClientIP). */
    private readonly plain: TcpRouteTable<TcpTarget>,
    /** Routers with `tls`, passthrough or terminating. */
    private readonly secure: TcpRouteTable<TcpTarget>,
    /** Every Host of the entrypoint's HTTPS routers, lower-case (`*.example.com` wildcards included). */
    private readonly httpsHosts: readonly string[],
    /** An HTTPS router without a Host (PathPrefix alone...): Traefik's HostSNI(`*`) for HTTPS. */
    private readonly httpsCatchAll: boolean,
  ) {}

  /**
   * Traefik takes a connection without reading it when the entrypoint has plain TCP routers and neither TLS TCP
   * routers nor HTTPS routers: server-first protocols (MySQL, SMTP, Postgres without TLS) work.
   */
  get takesBeforeBytes(): boolean {
    return this.plain.size > 0 && this.secure.size === 0 && this.httpsHosts.length === 0 && !this.httpsCatchAll;
  }

  /** After Postgres's SSLRequest: any TLS TCP router, the catch-all included; null closes the connection. */
  forPostgres(meta: ConnData): TcpTarget | null {
    return this.secure.match(meta)?.value ?? null;
  }

  /** A plain connection: a plain TCP router, or null for the HTTP handler. */
  forPlain(meta: ConnData): TcpTarget | null {
    return this.plain.match(meta)?.value ?? null;
  }

  /**
   * A TLS connection, in Traefik's order: an HTTPS router naming the SNI, a TLS TCP router other than the catch-all,
   * an HTTPS router without a Host, the TLS catch-all; null means the HTTPS handler (which also answers 404s).
   */
  forTls(meta: ConnData): TcpTarget | null {
    if (meta.serverName !== '' && this.httpsHosts.some((host) => domainMatchesHost(meta.serverName, host))) return null;
    const route = this.secure.match(meta);
    if (route !== null && !route.rule.catchAll) return route.value;
    if (this.httpsCatchAll) return null;
    return route?.value ?? null;
  }

  /** The connection's facts a rule reads, from the ClientHello (null for a plain connection). */
  static connData(socket: net.Socket, hello: { serverName: string | null; alpn: readonly string[] } | null): ConnData {
    const name = hello?.serverName ?? '';
    return { serverName: name.endsWith('.') ? name.slice(0, -1) : name, remoteIp: clientAddress(socket.remoteAddress), alpn: hello?.alpn ?? [] };
  }
}

/**
 * Hands a connection to a TCP router, with every byte read so far put back (a passthrough server sees the
 * ClientHello as sent; a terminating one is told its SNI, `serverName`). The sniff's read deadline ends here: a TCP
 * connection may be idle as long as it likes.
 */
export function serveTcp(socket: net.Socket, target: TcpTarget, seen: Buffer | null, handshakeTimeout: number, postgres = false, serverName: string | null = null): void {
  socket.setTimeout(0);
  socket.pause();
  if (seen !== null && seen.length > 0) socket.unshift(seen);
  const clientIp = clientAddress(socket.remoteAddress);
  if (target.termination === null) {
    target.handler({ stream: socket, socket, clientIp, router: target.name, postgres });
    return;
  }
  target.termination.terminate(socket, serverName, handshakeTimeout, (secure) => target.handler({ stream: secure, socket, clientIp, router: target.name, postgres: false }));
}
