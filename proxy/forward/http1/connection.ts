import net from 'node:net';
import { UpstreamError } from '../upstream-errors.js';
import type { Exchange } from './exchange.js';

/**
 * One TCP connection to an upstream server. Its listeners are attached once and route events to
 * the exchange that owns it now, so a kept-alive request costs no listener churn.
 */
export class Connection {
  readonly socket: net.Socket;
  exchange: Exchange | null = null;
  /** Served at least one response: a close before any answer may be the server's idle timeout. */
  reused = false;
  /** The TCP handshake completed: a failure before it means the request reached no server. */
  connected = false;
  /** When it went idle (ms since epoch) and how long it may stay so. */
  idleSince = 0;
  idleLimitMs = 0;
  private error: Error | null = null;

  constructor(host: string, port: number, dialTimeout: number, private readonly onClose: (c: Connection) => void) {
    this.socket = net.connect({ host, port, noDelay: true });
    if (dialTimeout > 0) this.socket.setTimeout(dialTimeout, this.onDialTimeout);
    this.socket.once('connect', this.onConnect);
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.once('close', this.onSocketClose);
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    if (this.socket.timeout !== undefined && this.socket.timeout > 0) this.socket.setTimeout(0);
  };

  private readonly onDialTimeout = (): void => {
    this.socket.destroy(new UpstreamError('connect-timeout', 'upstream connect timeout'));
  };

  private readonly onData = (chunk: Buffer): void => {
    // Bytes nobody asked for: the connection's framing can no longer be trusted.
    if (this.exchange === null) {
      this.socket.destroy();
      return;
    }
    try {
      this.exchange.onData(chunk);
    } catch (err) {
      // A throw in a response callback must cost this request (it fails with the error), never the process.
      this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  };

  private readonly onError = (err: Error): void => {
    this.error = err;
  };

  private readonly onSocketClose = (): void => {
    const exchange = this.exchange;
    this.exchange = null;
    this.onClose(this);
    exchange?.onConnectionClosed(this.error, this.reused, this.connected);
  };

  /** Open, and holding no byte nobody asked for (one read but not yet delivered would be another's answer). */
  get usable(): boolean {
    return !this.socket.destroyed && this.socket.readyState === 'open' && this.socket.readableLength === 0;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Closes an idle connection gracefully: our FIN now, closed for good once the server answers with its own
   * (or after `graceMs`), so a connection that replaces it under maxConns never overlaps it on the server.
   */
  retire(graceMs: number): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }
}
