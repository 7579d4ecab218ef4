import dgram from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { UdpServer } from './udp-targets.js';
import { timerMs } from '../timer-bounds.js';

/** Where a session sends its server's replies, and how it reports its end and its errors. */
export interface SessionOwner {
  /** Relays one reply to the client from the entrypoint's socket (Traefik's Conn.Write on the listener). */
  reply(session: UdpSession, datagram: Buffer): void;
  closed(session: UdpSession): void;
  failed(session: UdpSession, error: Error): void;
}

/** Datagrams a session holds while its socket to the server is being set up; more are dropped, as a full socket buffer would. */
const MAX_PENDING_BYTES = 1 << 20;

/**
 * One client address's session (Traefik's udp.Conn plus udp.Proxy): its own socket connected to the server the
 * first datagram picked, so the kernel hands it that server's replies only. It ends after `timeout` without a
 * datagram either way, or when the server's socket fails (ICMP port unreachable reads as ECONNREFUSED, as Go's does).
 */
export class UdpSession {
  private socket: dgram.Socket | null = null;
  private pending: Buffer[] | null = [];
  private pendingBytes = 0;
  private lastActivity = performance.now();
  private timer: NodeJS.Timeout;
  private ended = false;

  constructor(
    readonly key: string,
    readonly client: { readonly address: string; readonly port: number },
    readonly router: string,
    readonly server: UdpServer,
    private readonly timeout: number,
    private readonly owner: SessionOwner,
  ) {
    this.timer = setTimeout(() => this.checkIdle(), timerMs(timeout));
    this.connect();
  }

  /** A datagram from the client, sent whole (up to 65,535 bytes, Traefik's maxDatagramSize). */
  fromClient(datagram: Buffer): void {
    if (this.ended) return;
    this.lastActivity = performance.now();
    if (this.pending !== null) {
      if (this.pendingBytes + datagram.length <= MAX_PENDING_BYTES) {
        this.pending.push(datagram);
        this.pendingBytes += datagram.length;
      }
      return;
    }
    this.socket?.send(datagram);
  }

  /** False once closed; a session whose server cannot be dialled at all is closed before its constructor returns. */
  get isOpen(): boolean {
    return !this.ended;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.pending = null;
    try {
      this.socket?.close();
    } catch {
      // Closed already (its bind or connect failed).
    }
    this.owner.closed(this);
  }

  private connect(): void {
    const { host, port } = this.server.split;
    const family = isIP(host);
    if (family !== 0 || host === '') {
      this.open(family === 6 ? 'udp6' : 'udp4', host === '' ? undefined : host, port);
      return;
    }
    lookup(host, (err, address, resolvedFamily) => {
      if (this.ended) return;
      if (err !== null) this.fail(err);
      else this.open(resolvedFamily === 6 ? 'udp6' : 'udp4', address, port);
    });
  }

  private open(type: 'udp4' | 'udp6', host: string | undefined, port: number): void {
    if (this.ended) return;
    const socket = dgram.createSocket(type);
    this.socket = socket;
    socket.on('error', (err) => this.fail(err));
    socket.on('message', (datagram) => {
      if (this.ended) return;
      this.lastActivity = performance.now();
      this.owner.reply(this, datagram);
    });
    const connected = (): void => {
      const queued = this.pending ?? [];
      this.pending = null;
      this.pendingBytes = 0;
      if (this.ended) return;
      for (const datagram of queued) socket.send(datagram);
    };
    try {
      socket.connect(port, host, connected);
    } catch (err) {
      // dgram throws, rather than emits, for a port it will not dial (`:0`): it fails this session, not the process.
      this.fail(err as Error);
    }
  }

  private fail(error: Error): void {
    if (this.ended) return;
    this.owner.failed(this, error);
    this.close();
  }

  /** One timer per session, set again for what is left of the timeout: datagrams cost no timer work. */
  private checkIdle(): void {
    if (this.ended) return;
    const idle = performance.now() - this.lastActivity;
    if (idle >= this.timeout) this.close();
    else this.timer = setTimeout(() => this.checkIdle(), timerMs(this.timeout - idle));
  }
}
