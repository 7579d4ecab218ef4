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
 * go-proxyproto's DefaultReadHeaderTimeout (v0.8 on; Traefik v3.7 pins v0.12). Traefik hands it readTimeout, and
 * -1 ("none") when readTimeout is 0 (server_entrypoint_tcp.go, buildProxyProtocolListener), so there a peer that
 * never finishes its header holds a descriptor for ever; pe-edge keeps this default then.
 */
export const PROXY_HEADER_TIMEOUT_MS = 10_000;

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
   * Reads the header (if any) at the start of a connection just accepted, then calls `next` with the bytes after it
   * (possibly empty). A malformed header destroys the socket, and so does one (or a first byte) not read within
   * readTimeout, or PROXY_HEADER_TIMEOUT_MS when readTimeout is 0.
   */
  read(socket: net.Socket, readTimeout: number, next: (rest: Buffer) => void): void {
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), readTimeout > 0 ? readTimeout : PROXY_HEADER_TIMEOUT_MS);
    const stop = (): void => {
      clearTimeout(timer);
      socket.off('data', more);
      socket.off('end', ended);
      socket.off('close', stop);
    };
    const more = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const reading = readProxyHeader(seen);
      if (reading === 'incomplete') return;
      stop();
      if (typeof reading === 'object' && 'error' in reading) {
        socket.destroy();
        return;
      }
      if (reading === 'none') {
        next(seen);
        return;
      }
      if (reading.source !== null && this.trusts(socket.remoteAddress)) {
        adoptSource(socket, reading.source);
        this.proxied.set(socket, reading.source);
      }
      next(seen.subarray(reading.length));
    };
    // A peer that half-closes inside a header can never finish it.
    const ended = (): void => {
      stop();
      socket.destroy();
    };
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
