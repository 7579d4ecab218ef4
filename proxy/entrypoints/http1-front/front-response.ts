import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { LAST_CHUNK, writeChunk } from '../../http/chunked-writer.js';
import type { ProxyResponse, ResponseHeaders } from '../../http/proxy-exchange.js';

/** Where a FrontResponse reports that it is over (the connection serves the next request or closes). */
export interface ResponseOwner {
  readonly socket: Socket;
  responseDone(res: FrontResponse): void;
}

/**
 * The lean front's side of the request path's response contract, written straight to the socket: the
 * head goes out with the first body bytes in one write.
 * Header values are not re-validated here: they come from upstream heads the pools validated (the
 * forwarder drops an unsafe reason phrase), or from pe-edge's own constants.
 */
export class FrontResponse extends EventEmitter implements ProxyResponse {
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  clientGone = false;

  get completed(): boolean {
    return this.writableFinished;
  }

  statusCode = 200;
  private head: string | null = null;
  /** The headers as sent, by reference (logs and metrics read Content-Length from them). */
  private sent: ResponseHeaders | null = null;
  private chunked = false;
  private noBody = false;
  private waitingDrain = false;
  private closed = false;

  /** `isHead`: a HEAD request (no body goes out); `closeAfter`: the connection ends with this answer. */
  constructor(private readonly owner: ResponseOwner, private readonly isHead: boolean, readonly closeAfter: boolean) {
    super();
  }

  sendHead(status: number, headers: ResponseHeaders, reason?: string): Error | null {
    if (this.clientGone) return new Error('client connection closed');
    this.writeHeadText(status, reason === undefined || reason === '' ? (STATUS_CODES[status] ?? 'unknown') : reason, headers);
    this.sent = headers;
    return null;
  }

  sentHeader(name: string): string | undefined {
    const v = this.sent?.[name];
    return Array.isArray(v) ? v[0] : v;
  }

  sentHeaders(): Readonly<ResponseHeaders> | null {
    return this.sent;
  }

  private writeHeadText(status: number, message: string, headers: ResponseHeaders | undefined): void {
    this.statusCode = status;
    this.noBody = this.isHead || status === 204 || status === 304 || (status >= 100 && status < 200);
    let head = `HTTP/1.1 ${status} ${message}\r\n`;
    let hasLength = false;
    let hasDate = false;
    if (headers !== undefined) {
      for (const name in headers) {
        const value = headers[name] as string | readonly string[];
        if (typeof value === 'object') {
          for (const v of value) head += `${name}: ${v}\r\n`;
        } else {
          head += `${name}: ${value}\r\n`;
        }
        if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
        else if (name.length === 4 && name.toLowerCase() === 'date') hasDate = true;
      }
    }
    if (!hasDate) head += `Date: ${httpDate()}\r\n`;
    // Like node:http: no length and a body allowed means chunked framing towards the client.
    if (!hasLength && !this.noBody) {
      this.chunked = true;
      head += 'Transfer-Encoding: chunked\r\n';
    }
    if (this.closeAfter) head += 'Connection: close\r\n';
    this.head = head + '\r\n';
    this.headersSent = true;
  }

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.clientGone) return false;
    if (!this.headersSent) this.writeHeadText(this.statusCode, STATUS_CODES[this.statusCode] ?? 'unknown', undefined);
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const socket = this.owner.socket;
    if (this.noBody || data.length === 0) {
      this.flushHead(socket);
      return true;
    }
    socket.cork();
    this.flushHead(socket);
    const flushed = this.chunked ? writeChunk(socket, data) : socket.write(data);
    socket.uncork();
    if (!flushed && !this.waitingDrain) {
      this.waitingDrain = true;
      socket.once('drain', () => {
        this.waitingDrain = false;
        this.emit('drain');
      });
    }
    return flushed;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded || this.clientGone) return this;
    const socket = this.owner.socket;
    socket.cork();
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHeadText(this.statusCode, STATUS_CODES[this.statusCode] ?? 'unknown', undefined);
    this.flushHead(socket);
    if (this.chunked) socket.write(LAST_CHUNK);
    socket.uncork();
    this.writableEnded = true;
    this.writableFinished = true;
    this.emit('finish');
    this.emitClose();
    this.owner.responseDone(this);
    return this;
  }

  destroy(): this {
    if (this.clientGone) return this;
    this.clientGone = true;
    this.owner.socket.destroy();
    this.emitClose();
    return this;
  }

  /** The client connection closed: an unfinished answer is abandoned (the forwarder aborts upstream). */
  socketClosed(): void {
    if (this.writableFinished) return;
    this.clientGone = true;
    this.emitClose();
  }

  private flushHead(socket: Socket): void {
    if (this.head === null) return;
    socket.write(this.head, 'latin1');
    this.head = null;
  }

  private emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

let dateText = '';
let dateSecond = 0;

/** The IMF-fixdate Date header, computed once per second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
