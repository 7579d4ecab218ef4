import { isBodilessStatus } from '../../http/bodiless-status.js';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { LAST_CHUNK, writeChunk } from '../../http/chunked-writer.js';
import { lastChunkWithTrailers } from '../../http/trailers.js';
import { isFieldValue, isToken } from '../../http/head-syntax.js';
import { isCommonHeaderName } from '../../http/header-names.js';
import { goReasonPhrase } from '../../http/go-status-text.js';
import { connectionTokens } from '../../http/hop-by-hop.js';
import { sentValue, type ProxyResponse, type ResponseHeaders } from '../../http/proxy-exchange.js';

/** Where a FrontResponse reports that it is over (the connection serves the next request or closes). */
export interface ResponseOwner {
  readonly socket: Socket;
  /** Asked as the head is written: the request's body is too large to read past, so the connection ends with the answer. */
  leavesBodyUnread(): boolean;
  responseDone(res: FrontResponse): void;
  /**
   * Ends one `cork()` of the socket after the event loop's current callbacks: the answers ended in one turn of
   * the loop go out together, so a client (or a load generator serving many connections) is woken once for them
   * rather than once per answer.
   */
  uncorkSoon(): void;
  /** Closes the connection now; the answers ended before (corked until uncorkSoon's turn) go out first. */
  cut(): void;
}

/**
 * The lean front's side of the request path's response contract, written straight to the socket: the
 * head goes out with the first body bytes in one write.
 * A head is checked as node:http's writeHead checks it (names are tokens, values hold no CR, LF or other
 * control byte): middlewares put configured values in it (custom headers, CORS lists, cookies), and a value
 * with CR LF would split the response. A head that fails ends the exchange, as on node:http's side.
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

  private trailers: ResponseHeaders | null = null;

  /**
   * `isHead`: a HEAD request (no body goes out); `closeAfter`: the connection ends with this answer (also set
   * when the head goes out while too much of the request's body is unread); `takesTrailers`: the client sent
   * `TE: trailers`.
   */
  constructor(private readonly owner: ResponseOwner, private readonly isHead: boolean, public closeAfter: boolean, private readonly takesTrailers = false) {
    super();
  }

  sendHead(status: number, headers: ResponseHeaders): Error | null {
    if (this.clientGone) return new Error('client connection closed');
    const invalid = this.writeHeadText(status, headers);
    if (invalid !== null) {
      this.destroy();
      return new Error(`invalid character in ${invalid}`);
    }
    this.sent = headers;
    return null;
  }

  sentHeader(name: string): string | undefined {
    return sentValue(this.sent, name);
  }

  sentHeaders(): Readonly<ResponseHeaders> | null {
    return this.sent;
  }

  relayTrailers(trailers: ResponseHeaders): void {
    this.trailers = trailers;
  }

  sentTrailers(): Readonly<ResponseHeaders> | null {
    return this.trailers;
  }

  /**
   * Builds the head to send; null, or what node:http's writeHead would refuse in it (ERR_INVALID_HTTP_TOKEN /
   * ERR_INVALID_CHAR), in which case nothing is kept. Checked in the same pass that writes (one walk of the headers).
   */
  private writeHeadText(status: number, headers: ResponseHeaders | undefined): string | null {
    let head = statusLine(status);
    let hasLength = false;
    let hasDate = false;
    let closes = false;
    /** A Connection header the answer set without `close` (written unless the connection closes anyway). */
    let connection = '';
    if (headers !== undefined) {
      for (const name in headers) {
        const value = headers[name];
        if (value === undefined) continue;
        if (!isCommonHeaderName(name) && !isToken(name)) return `header name ${JSON.stringify(name)}`;
        if (typeof value === 'object') {
          for (const v of value) if (!isFieldValue(v)) return `header "${name}"`;
        } else if (!isFieldValue(value)) {
          return `header "${name}"`;
        }
        if (name.length === 10 && name.toLowerCase() === 'connection') {
          // An answer that says `Connection: close` (buffering's 413) ends the connection, as node:http and Go end it.
          if (connectionTokens(value).includes('close')) closes = true;
          else for (const v of typeof value === 'object' ? value : [value]) connection += `${name}: ${v}\r\n`;
          continue;
        }
        if (typeof value === 'object') {
          for (const v of value) head += `${name}: ${v}\r\n`;
        } else {
          head += `${name}: ${value}\r\n`;
        }
        if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
        else if (name.length === 4 && name.toLowerCase() === 'date') hasDate = true;
      }
    }
    if (closes) this.closeAfter = true;
    this.statusCode = status;
    this.noBody = this.isHead || isBodilessStatus(status);
    if (!hasDate) head += `Date: ${httpDate()}\r\n`;
    // Like node:http: no length and a body allowed means chunked framing towards the client.
    if (!hasLength && !this.noBody) {
      this.chunked = true;
      head += 'Transfer-Encoding: chunked\r\n';
    }
    if (!this.closeAfter && this.owner.leavesBodyUnread()) this.closeAfter = true;
    // One Connection header, as Go sends it: `close` replaces whatever else the answer said.
    head += this.closeAfter ? 'Connection: close\r\n' : connection;
    this.head = head + '\r\n';
    this.headersSent = true;
    return null;
  }

  write(chunk: Buffer | string): boolean {
    return this.writeBody(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, undefined);
  }

  /** `release` runs once the socket wrote `chunk` out (or dropped it): the caller may reuse its memory then. */
  writeLent(chunk: Buffer, release: () => void): boolean {
    return this.writeBody(chunk, release);
  }

  private writeBody(data: Buffer, release: (() => void) | undefined): boolean {
    if (this.writableEnded || this.clientGone) {
      release?.();
      return false;
    }
    if (!this.headersSent) this.writeHeadText(this.statusCode, undefined);
    const socket = this.owner.socket;
    if (this.noBody || data.length === 0) {
      this.flushHead(socket);
      release?.();
      return true;
    }
    let flushed: boolean;
    if (this.head !== null && !this.chunked && data.length <= JOINED_BODY_MAX_BYTES) {
      // The usual small answer: head and body in one buffer and one write (one TLS record), with no writev and no
      // write callback; the body's memory is free again at once. It leaves with the loop turn's other answers
      // (uncorkSoon), unless a cork of end() already holds it.
      const batched = socket.writableCorked === 0;
      if (batched) socket.cork();
      flushed = socket.write(joinHeadAndBody(this.head, data));
      if (batched) this.owner.uncorkSoon();
      this.head = null;
      release?.();
    } else {
      socket.cork();
      this.flushHead(socket);
      flushed = this.chunked ? writeChunk(socket, data, release) : socket.write(data, release);
      socket.uncork();
    }
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
    // Nothing left to write (a body with a length, already out): no cork.
    const pending = chunk !== undefined || !this.headersSent || this.head !== null || this.chunked;
    if (pending) {
      socket.cork();
      if (chunk !== undefined) this.write(chunk);
      else if (!this.headersSent) this.writeHeadText(this.statusCode, undefined);
      this.flushHead(socket);
      if (this.chunked) {
        const trailers = this.trailers;
        if (trailers !== null && this.takesTrailers) socket.write(lastChunkWithTrailers(trailers), 'latin1');
        else socket.write(LAST_CHUNK);
      }
      this.owner.uncorkSoon();
    }
    this.writableEnded = true;
    this.writableFinished = true;
    this.emit('finish');
    this.emitClose();
    this.owner.responseDone(this);
    return this;
  }

  /** Cuts this exchange; a finished answer has nothing left to cut (the connection may already serve the next request). */
  destroy(): this {
    if (this.clientGone || this.writableFinished) return this;
    this.clientGone = true;
    this.owner.cut();
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

/** Bodies up to this size go out in one buffer with the head (a copy this small costs less than a writev). */
const JOINED_BODY_MAX_BYTES = 16 * 1024;

function joinHeadAndBody(head: string, body: Buffer): Buffer {
  const headBytes = head.length; // latin1: one byte per character
  const joined = Buffer.allocUnsafe(headBytes + body.length);
  joined.write(head, 0, 'latin1');
  body.copy(joined, headBytes);
  return joined;
}

/** Status lines as Go writes them, each made once. */
const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${goReasonPhrase(status)}\r\n`;
    // Statuses are three digits (100-999): the map holds at most 900 short strings.
    statusLines.set(status, line);
  }
  return line;
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
