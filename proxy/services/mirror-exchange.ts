import { EventEmitter } from 'node:events';
import type { ProxyRequest, ProxyResponse, RequestContext, ResponseHeaders, WholeBody } from '../http/request-context.js';

/**
 * Where a mirror's answer goes: nowhere (Traefik's blackHoleResponseWriter). It ends like a client response
 * ('finish', then 'close'), so the service that served the mirror sees an ordinary exchange; destroy() cuts
 * it, which aborts the upstream request as a client going away does.
 */
export class DiscardedResponse extends EventEmitter implements ProxyResponse {
  headersSent = false;
  writableEnded = false;
  completed = false;
  clientGone = false;
  statusCode = 200;

  sendHead(status: number): Error | null {
    this.statusCode = status;
    this.headersSent = true;
    return null;
  }

  write(): boolean {
    return true;
  }

  end(): this {
    if (this.writableEnded || this.clientGone) return this;
    this.writableEnded = true;
    this.completed = true;
    process.nextTick(() => {
      this.emit('finish');
      this.emit('close');
    });
    return this;
  }

  destroy(): void {
    if (this.writableEnded || this.clientGone) return;
    this.clientGone = true;
    process.nextTick(() => this.emit('close'));
  }

  sentHeader(): undefined {
    return undefined;
  }

  sentHeaders(): Readonly<ResponseHeaders> | null {
    return null;
  }

  relayTrailers(): void {}

  sentTrailers(): Readonly<ResponseHeaders> | null {
    return null;
  }
}

/**
 * A request as it reached the mirroring service, copied before the main service runs (Go clones it): the
 * mirrors get the method, target and headers the middlewares left, never what the main service did with them.
 */
export interface MirroredRequest {
  readonly ctx: RequestContext;
  readonly req: ProxyRequest;
  readonly ownHeaders: string[] | null;
}

export function copyRequest(ctx: RequestContext): MirroredRequest {
  const req = ctx.req;
  const copy: ProxyRequest = {
    method: req.method,
    url: req.url,
    headers: { ...req.headers },
    rawHeaders: [...req.rawHeaders],
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    socket: req.socket,
    bodyStream: null,
  };
  return { ctx: { ...ctx }, req: copy, ownHeaders: ctx.ownHeaders === null ? null : [...ctx.ownHeaders] };
}

/** The context one mirror is served with: its own request copy, body and discarded response. */
export function mirrorContext(from: MirroredRequest, body: WholeBody | null, res: DiscardedResponse): RequestContext {
  return {
    ...from.ctx,
    req: { ...from.req, headers: { ...from.req.headers }, rawHeaders: [...from.req.rawHeaders] },
    res,
    body,
    // The main request's rewritten stream is the main request's: a mirror sends `body` or nothing.
    streamedBody: null,
    ownHeaders: from.ownHeaders === null ? null : [...from.ownHeaders],
    serviceName: '',
    serviceUrl: '',
    startedAt: process.hrtime.bigint(),
    bytesSent: 0,
    response: null,
    retry: null,
    retries: 0,
    upgrade: null,
    // Its answer is thrown away: an idle connection's late bytes could mislead no one.
    firstOnConnection: false,
  };
}
