import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseAddress } from '../../labels-spec/index.js';
import type { UdpRouting } from './udp-routing.js';
import { UdpSession, type SessionOwner } from './udp-session.js';

/** Hears what Traefik logs at error level on a UDP entrypoint: an empty pool, a server that cannot be reached. */
export type UdpErrorSink = (entryPoint: string, router: string, error: Error) => void;

export interface UdpEntryPointOptions {
  name: string;
  /** `[host]:port/udp`. */
  address: string;
  /** entryPoints.<name>.udp.timeout, ms: a session idle this long is closed (Traefik's default 3 s). */
  timeout: number;
  /** transport.lifeCycle: shutdown waits requestAcceptGraceTimeout, then up to graceTimeOut for sessions to end. */
  graceTimeOut: number;
  requestAcceptGraceTimeout: number;
  onError?: UdpErrorSink | undefined;
  /** Sessions kept open at most (default UDP_MAX_SESSIONS). */
  maxSessions?: number | undefined;
}

/**
 * Sessions one UDP entrypoint keeps open at most. Each holds a socket (a file descriptor) until `udp.timeout` after its
 * last datagram; without a bound, datagrams from many source addresses (spoofed ones cost an attacker nothing) would
 * take every descriptor of the process, and with them every other entrypoint's accepts. Traefik has no bound.
 */
export const UDP_MAX_SESSIONS = 10_000;

const warnUdpError: UdpErrorSink = (entryPoint, router, error) => {
  process.emitWarning(`UDP entryPoint ${entryPoint} router ${router || '-'}: ${error.message}`);
};

/**
 * A UDP entrypoint (Traefik's UDPEntryPoint and udp.Listener): one socket for every client, a session per client
 * address. A new session's server comes from the runtime in place when its first datagram arrives, so a
 * configuration swap never touches the socket and sessions under way keep their server until they end.
 */
export class UdpEntryPoint implements SessionOwner {
  private readonly sessions = new Map<string, UdpSession>();
  private socket: dgram.Socket | null = null;
  private accepting = true;
  private readonly onError: UdpErrorSink;
  private readonly maxSessions: number;
  /** The table is (or was just) full: told once, until it falls to 90 % again. */
  private full = false;

  constructor(readonly options: UdpEntryPointOptions, private readonly getRouting: () => UdpRouting) {
    if (!(options.timeout > 0)) throw new Error(`entryPoints.${options.name}.udp.timeout must be greater than zero`);
    this.onError = options.onError ?? warnUdpError;
    this.maxSessions = options.maxSessions ?? UDP_MAX_SESSIONS;
  }

  async listen(): Promise<void> {
    const { host, port } = parseAddress(this.options.address);
    const socket = await bindSocket(host, port);
    socket.on('message', (datagram, peer) => this.received(datagram, peer));
    // Errors after bind are per datagram (a send to a client gone); the socket keeps serving.
    socket.on('error', (err) => this.onError(this.options.name, '', err));
    this.socket = socket;
  }

  /** The bound port (useful with `:0` in tests). */
  get port(): number {
    try {
      return this.socket?.address().port ?? 0;
    } catch {
      return 0;
    }
  }

  /** Sessions open right now. */
  get openSessions(): number {
    return this.sessions.size;
  }

  private received(datagram: Buffer, peer: dgram.RemoteInfo): void {
    const key = `${peer.address}|${peer.port}`;
    const session = this.sessions.get(key);
    if (session !== undefined) {
      session.fromClient(datagram);
      return;
    }
    if (!this.accepting) return;
    // No router on this entrypoint: Traefik's switcher closes the session at once, the datagram goes nowhere.
    const route = this.getRouting().routes.get(this.options.name);
    if (route === undefined) return;
    if (this.sessions.size >= this.maxSessions) {
      if (!this.full) {
        this.full = true;
        this.onError(this.options.name, route.router, new Error(`${this.sessions.size} UDP sessions are open, the most one entrypoint keeps: datagrams from new clients are dropped until sessions end (udp.timeout after their last datagram)`));
      }
      return;
    }
    const server = route.target.pick();
    if (server instanceof Error) {
      this.onError(this.options.name, route.router, new Error(`Error during load balancing: ${server.message}`));
      return;
    }
    const created = new UdpSession(key, { address: peer.address, port: peer.port }, route.router, server, this.options.timeout, this);
    // Kept only while open: a session that failed at once must not stay in the table and swallow the client's datagrams.
    if (!created.isOpen) return;
    this.sessions.set(key, created);
    created.fromClient(datagram);
  }

  reply(session: UdpSession, datagram: Buffer): void {
    this.socket?.send(datagram, session.client.port, session.client.address);
  }

  closed(session: UdpSession): void {
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
    if (this.full && this.sessions.size < this.maxSessions * 0.9) this.full = false;
  }

  failed(session: UdpSession, error: Error): void {
    this.onError(this.options.name, session.router, new Error(`Error while handling UDP stream to ${session.server.address}: ${error.message}`));
  }

  /**
   * Traefik's Shutdown: after requestAcceptGraceTimeout (signals only), no new session; the open ones get up to
   * graceTimeOut (or graceMs) to end on their own, then the socket and whatever is left are closed.
   */
  async shutdown(graceMs?: number): Promise<void> {
    if (graceMs === undefined && this.options.requestAcceptGraceTimeout > 0) {
      await new Promise((r) => setTimeout(r, this.options.requestAcceptGraceTimeout));
    }
    graceMs ??= this.options.graceTimeOut;
    this.accepting = false;
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(1, deadline - Date.now()))));
    }
    for (const session of [...this.sessions.values()]) session.close();
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/**
 * Go's "udp" listen: no host is every address, IPv6 and IPv4 on one socket when the host has IPv6 (IPv4 only
 * otherwise); an IPv6 host listens on IPv6 only; a name listens on one of its addresses.
 */
async function bindSocket(host: string, port: number): Promise<dgram.Socket> {
  if (host === '') {
    try {
      return await bound('udp6', '::', port);
    } catch (err) {
      if (!isNoIpv6(err)) throw err;
      return bound('udp4', '0.0.0.0', port);
    }
  }
  const address = isIP(host) !== 0 ? host : await listenAddressOf(host);
  return isIP(address) === 6 ? bound('udp6', address, port, true) : bound('udp4', address, port);
}

/** Go's listen on a name takes its first IPv4 address when it has one, else its first address. */
async function listenAddressOf(name: string): Promise<string> {
  const addresses = await lookup(name, { all: true });
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (chosen === undefined) throw new Error(`${name}: no address to listen on`);
  return chosen.address;
}

function bound(type: 'udp4' | 'udp6', address: string, port: number, ipv6Only = false): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type, ipv6Only });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ port, address }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

function isNoIpv6(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'EPROTONOSUPPORT';
}
