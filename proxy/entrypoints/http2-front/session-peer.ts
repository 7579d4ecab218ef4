import type { X509Certificate } from 'node:crypto';
import type { Http2Session } from 'node:http2';
import type { PeerSocket } from '../../http/proxy-exchange.js';
import type { TlsConnection, TlsFacts, TlsSocketView } from '../../http/tls-connection.js';
import type { ArrivedStream } from './arrived-stream.js';

/**
 * The client connection of an HTTP/2 session, as the request path reads it (`ProxyRequest.socket`, and on TLS
 * `RequestContext.tlsConnection`), one per session for all its streams. node hands a session's socket out as a
 * proxy that throws once the session let go of it, while a stream's access log line is written when the stream
 * closed, maybe after its session: the address, SNI, TLS version and cipher are read once, when the first stream
 * arrives (the handshake is done and a PROXY protocol header's source is in place by then); the client's
 * certificate when first asked.
 */
export class SessionPeer implements PeerSocket, TlsConnection {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly servername: string | false | null | undefined;
  private readonly tls: TlsFacts;
  /** A stream of this session was served already (RequestContext.firstOnConnection). */
  served = false;
  /** Streams opened in the read batch node is going through, not yet served; null when none wait (http2-streams.ts). */
  arrived: ArrivedStream[] | null = null;
  private certificate: X509Certificate | undefined | null = null;

  constructor(private readonly session: Http2Session) {
    const socket: PeerSocket & Partial<TlsSocketView> = session.socket;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.servername = socket.servername;
    this.tls = { protocol: socket.getProtocol?.() ?? null, cipher: socket.getCipher?.()?.standardName };
  }

  get destroyed(): boolean {
    return this.session.destroyed;
  }

  facts(): TlsFacts {
    return this.tls;
  }

  /** TLS 1.3 has no renegotiation and node offers no post-handshake authentication: the first answer holds. */
  clientCertificate(): X509Certificate | undefined {
    if (this.certificate === null && !this.session.destroyed) {
      const socket: Partial<TlsSocketView> = this.session.socket;
      this.certificate = socket.getPeerX509Certificate?.();
    }
    return this.certificate ?? undefined;
  }
}
