import type net from 'node:net';
import { IpChecker } from '../../middlewares/traffic/ip-checker.js';
import { clientAddress } from '../../http/request-target.js';
import { readProxyHeader, type ProxiedSource } from './header.js';

/** entryPoints.<name>.proxyProtocol, as the entrypoint takes it. */
export interface ProxyProtocolOptions {
  readonly insecure: boolean;
  readonly trustedIPs: readonly string[];
}

/**
 * Traefik's proxyproto listener policy: every peer's header is read and taken off the stream (a malformed one
 * closes the connection); the address in it is used only from a trusted peer (insecure: any peer), others keep
 * their own (go-proxyproto IGNORE); a connection without a header is served as it is.
 */
export class ProxyProtocolPolicy {
  private readonly trusted: IpChecker | null;
  /** This entrypoint's connections that were given a PROXY header's source, so their TLS sockets can be given it too. */
  private readonly proxied = new WeakMap<net.Socket, ProxiedSource>();

  constructor(readonly options: ProxyProtocolOptions) {
    // Traefik refuses the entrypoint when neither is set (ip.NewChecker: "no trusted IPs provided"); the schema does too.
    this.trusted = options.insecure ? null : new IpChecker(options.trustedIPs, 'proxyProtocol.trustedIPs');
  }

  trusts(peer: string | undefined): boolean {
    return this.trusted === null || this.trusted.contains(clientAddress(peer));
  }

  /**
   * Reads the header (if any) at the start of the connection, within `timeout` ms (0: none) from the first call,
   * then calls `next` with the bytes after it (possibly empty). A malformed or slow header destroys the socket.
   */
  read(socket: net.Socket, first: Buffer, timeout: number, next: (rest: Buffer) => void): void {
    let seen = first;
    const timer = timeout > 0 ? setTimeout(() => socket.destroy(), timeout) : null;
    const stop = (): void => {
      if (timer !== null) clearTimeout(timer);
      socket.off('data', more);
      socket.off('end', ended);
      socket.off('close', stop);
    };
    const decide = (): boolean => {
      const reading = readProxyHeader(seen);
      if (reading === 'incomplete') return false;
      stop();
      if (typeof reading === 'object' && 'error' in reading) {
        socket.destroy();
        return true;
      }
      if (reading === 'none') {
        next(seen);
        return true;
      }
      if (reading.source !== null && this.trusts(socket.remoteAddress)) {
        adoptSource(socket, reading.source);
        this.proxied.set(socket, reading.source);
      }
      next(seen.subarray(reading.length));
      return true;
    };
    const more = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      decide();
    };
    // A peer that half-closes inside a header can never finish it.
    const ended = (): void => {
      stop();
      socket.destroy();
    };
    if (decide()) return;
    socket.on('data', more);
    socket.once('end', ended);
    socket.once('close', stop);
  }

  /**
   * A TLSSocket asks the kernel for its peer, not the TCP socket it wraps: when that socket was given a PROXY header's
   * source, the TLS socket (and the HTTP/2 session over it) reports the same.
   */
  carryToTls(tlsSocket: net.Socket, wrapped: net.Socket | undefined): void {
    const source = wrapped === undefined ? undefined : this.proxied.get(wrapped);
    if (source !== undefined) adoptSource(tlsSocket, source);
  }
}

/** The connection's remote address becomes the header's, for every reader of `socket.remoteAddress` and `remotePort`. */
function adoptSource(socket: net.Socket, source: ProxiedSource): void {
  Object.defineProperty(socket, 'remoteAddress', { value: source.address, configurable: true });
  Object.defineProperty(socket, 'remotePort', { value: source.port, configurable: true });
  Object.defineProperty(socket, 'remoteFamily', { value: source.family, configurable: true });
}
