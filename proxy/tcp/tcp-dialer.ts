import net from 'node:net';
import tls from 'node:tls';
import type { TcpServersTransport } from '../../labels-spec/dynamic/tcp/index.js';
import { tlsConnectOptions } from '../forward/upstream-transport.js';
import { peerCertUriError } from '../forward/peer-cert-uri.js';
import { proxyProtocolHeader } from '../entrypoints/proxy-protocol/write-header.js';
import type { TcpConnection } from './tcp-connection.js';
import { ReusedReads } from './reused-reads.js';
import { timerMs } from '../timer-bounds.js';

/** How one TCP load balancer dials its servers (Traefik's tcp.Dialer), prepared once per build. Times in ms. */
export interface TcpDialer {
  readonly dialTimeout: number;
  /** Keep-alive probe interval; 0 is Go's default of 15 s; negative: no probes. */
  readonly dialKeepAlive: number;
  /** After one side ends its writing, how long the other direction may still flow; negative: for ever. */
  readonly terminationDelay: number;
  readonly proxyProtocol: 1 | 2 | null;
  /** node:tls options for `tls: true` servers. */
  readonly tls: tls.ConnectionOptions;
  readonly peerCertURI: string | undefined;
}

const GO_DEFAULT_KEEP_ALIVE = 15_000;

/**
 * Traefik's DialerManager.Build: the transport's dial settings; terminationDelay and proxyProtocol from the
 * transport when the load balancer names one, else from its deprecated own fields (none: 0 and no header).
 */
export function createTcpDialer(transport: TcpServersTransport, named: boolean, deprecated: { terminationDelay?: number | undefined; proxyProtocol?: { version: number } | undefined }): TcpDialer {
  const proxyProtocol = named ? transport.proxyProtocol : deprecated.proxyProtocol;
  const t = transport.tls;
  const client = t?.certificates[0];
  return {
    dialTimeout: transport.dialTimeout,
    dialKeepAlive: transport.dialKeepAlive,
    terminationDelay: named ? transport.terminationDelay : deprecated.terminationDelay ?? 0,
    proxyProtocol: proxyProtocol === undefined ? null : proxyProtocol.version === 1 ? 1 : 2,
    tls: tlsConnectOptions({
      insecureSkipVerify: t?.insecureSkipVerify ?? false,
      rootCAs: t?.rootCAs ?? [],
      serverName: t?.serverName,
      clientCertificate: client === undefined ? undefined : { cert: client.certFile, key: client.keyFile },
    }),
    peerCertURI: t?.peerCertURI,
  };
}

/**
 * Connects to one server for `conn`: TCP within dialTimeout, the PROXY header first when asked for, then TLS for a
 * `tls: true` server. `done` gets the connected socket or the error (the socket is then destroyed). A health probe
 * dials with no client connection, so without a PROXY header (Traefik's dialer writes one only for a client).
 */
export function dialServer(dialer: TcpDialer, server: { host: string; port: number; tls: boolean }, conn: TcpConnection | null, done: (err: Error | null, socket?: net.Socket, reads?: ReusedReads) => void): void {
  // A plain connection relayed as it is reads into a reused buffer; TLS to the server and Postgres's SSLRequest read 'data'.
  const reads = conn !== null && !conn.postgres && !server.tls ? new ReusedReads() : undefined;
  const socket = net.connect({ host: server.host, port: server.port, noDelay: true, allowHalfOpen: true, onread: reads?.onread });
  if (reads !== undefined) socket.once('close', () => reads.close());
  let settled = false;
  const finish = (err: Error | null, connected?: net.Socket, connectedReads?: ReusedReads): void => {
    if (settled) return;
    settled = true;
    if (timer !== null) clearTimeout(timer);
    if (err !== null) {
      socket.destroy();
      done(err);
    } else done(null, connected, connectedReads);
  };
  const timer = dialer.dialTimeout > 0 ? setTimeout(() => finish(new Error(`dial tcp ${server.host}:${server.port}: i/o timeout`)), timerMs(dialer.dialTimeout)) : null;
  const failed = (err: Error): void => finish(err);
  socket.once('error', failed);
  socket.once('connect', () => {
    if (dialer.dialKeepAlive >= 0) socket.setKeepAlive(true, dialer.dialKeepAlive === 0 ? GO_DEFAULT_KEEP_ALIVE : dialer.dialKeepAlive);
    if (dialer.proxyProtocol !== null && conn !== null) {
      socket.write(proxyProtocolHeader(dialer.proxyProtocol, {
        sourceAddress: conn.socket.remoteAddress ?? '',
        sourcePort: conn.socket.remotePort ?? 0,
        destinationAddress: conn.socket.localAddress ?? '',
        destinationPort: conn.socket.localPort ?? 0,
      }));
    }
    if (!server.tls) {
      socket.off('error', failed);
      finish(null, socket, reads);
      return;
    }
    const secure = tls.connect({ ...dialer.tls, socket, host: server.host });
    const handshakeFailed = (err: Error): void => {
      secure.destroy();
      finish(new Error(`TLS handshake failed: ${err.message}`));
    };
    secure.once('error', handshakeFailed);
    secure.once('secureConnect', () => {
      const refused = dialer.peerCertURI !== undefined ? peerCertUriError(secure, dialer.peerCertURI) : null;
      if (refused !== null) {
        secure.destroy();
        finish(new Error(`TLS handshake failed: ${refused.message}`));
        return;
      }
      socket.off('error', failed);
      secure.off('error', handshakeFailed);
      finish(null, secure);
    });
  });
}
