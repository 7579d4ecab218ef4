import { EventEmitter } from 'node:events';
import { presentHeaders, type ProxyResponse, type ResponseHeaders } from '../../proxy/http/proxy-exchange.js';

/** A client response that records what the request path wrote, for unit tests of handlers and middlewares. */
export class RecordingResponse extends EventEmitter implements ProxyResponse {
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  clientGone = false;

  get completed(): boolean {
    return this.writableFinished;
  }

  statusCode = 200;
  headers: ResponseHeaders = {};
  body = '';

  sendHead(status: number, headers: ResponseHeaders): Error | null {
    this.statusCode = status;
    // What a client receives: removed headers (undefined) are not sent.
    this.headers = presentHeaders(headers);
    this.headersSent = true;
    return null;
  }

  sentHeader(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  sentHeaders(): Readonly<ResponseHeaders> | null {
    return this.headers;
  }

  trailers: ResponseHeaders | null = null;

  relayTrailers(trailers: ResponseHeaders): void {
    this.trailers = trailers;
  }

  sentTrailers(): Readonly<ResponseHeaders> | null {
    return this.trailers;
  }

  write(chunk: Buffer | string): boolean {
    this.body += chunk.toString();
    return true;
  }

  end(chunk?: Buffer | string): void {
    if (chunk !== undefined) this.write(chunk);
    this.writableEnded = true;
    this.writableFinished = true;
    this.emit('finish');
    this.emit('close');
  }

  destroy(): void {
    this.clientGone = true;
    this.emit('close');
  }
}
