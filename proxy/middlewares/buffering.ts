import type { Writable } from 'node:stream';
import { requestBodyStream, responseHooks, type Handler, type RequestContext, type ResponseHeaders } from '../http/request-context.js';
import { sendStatusText } from '../http/traefik-responses.js';
import { runExchange } from '../http/run-exchange.js';
import { relayToResponse, relayToSink } from '../http/relay-to-response.js';
import { BodySpool, DEFAULT_MEMORY_BODY_BYTES, type SpoolRefusal } from './body-spool.js';

export interface BufferingOptions {
  maxRequestBodyBytes?: number | undefined;
  memRequestBodyBytes?: number | undefined;
  maxResponseBodyBytes?: number | undefined;
  memResponseBodyBytes?: number | undefined;
  retryExpression?: string | undefined;
}

interface Limits {
  readonly maxRequest: number;
  readonly memRequest: number;
  readonly maxResponse: number;
  readonly memResponse: number;
}

/**
 * Traefik's buffering (oxy's buffer): the request body is read whole before it goes upstream, with a
 * Content-Length, and the response is read whole before the client sees any of it. Each body stays in
 * memory up to mem*BodyBytes and spills to a temporary file beyond (see BodySpool). Over
 * maxRequestBodyBytes: 413; over maxResponseBodyBytes: 500; 0 means no limit. retryExpression is refused
 * at build time, so a router never runs with half of what its configuration asks for.
 */
export function createBuffering(options: BufferingOptions, next: Handler): Handler {
  if ((options.retryExpression ?? '') !== '') throw new Error('buffering.retryExpression is not implemented yet in pe-edge');
  const limits: Limits = {
    maxRequest: options.maxRequestBodyBytes ?? 0,
    memRequest: memoryLimit(options.memRequestBodyBytes),
    maxResponse: options.maxResponseBodyBytes ?? 0,
    memResponse: memoryLimit(options.memResponseBodyBytes),
  };
  return (ctx: RequestContext): void => {
    // An upgrade has no body to read and no answer to hold (oxy steps aside for hijacked connections).
    if (ctx.upgrade !== null) return next(ctx);
    const declared = ctx.req.headers['content-length'];
    if (limits.maxRequest > 0 && declared !== undefined && Number(declared) > limits.maxRequest) {
      tooLarge(ctx);
      return;
    }
    new BufferedExchange(ctx, limits, next).start();
  };
}

/**
 * Traefik passes 0 for an unset mem*BodyBytes, which sends every body to disk; pe-edge keeps the
 * documented 1 MiB instead (the client sees no difference, the disk does).
 */
function memoryLimit(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : DEFAULT_MEMORY_BODY_BYTES;
}

/** One request through buffering: its body, then its answer, each in a spool freed when the request is over. */
class BufferedExchange {
  private request: BodySpool | null = null;
  private response: BodySpool | null = null;
  private status = 0;
  private headers: ResponseHeaders = {};
  /** The forwarder's head writer for the held answer (the one writer, with its reason phrase and fault report). */
  private sendHead: () => void = () => undefined;

  constructor(private readonly ctx: RequestContext, private readonly limits: Limits, private readonly next: Handler) {}

  start(): void {
    // The response closes when the request is over: answered, failed, or the client went away.
    this.ctx.res.once('close', this.dispose);
    const spool = new BodySpool(this.limits.memRequest, this.limits.maxRequest, this.requestRefused);
    this.request = spool;
    spool.once('finish', this.requestRead);
    const body = requestBodyStream(this.ctx);
    if (body === null) spool.end();
    else body.pipe(spool);
  }

  private readonly requestRead = (): void => {
    const spool = this.request;
    if (spool === null || spool.refused !== null || spool.disposed) return;
    this.ctx.body = spool;
    responseHooks(this.ctx).hold = this.hold;
    runExchange(this.ctx, this.next);
  };

  private readonly requestRefused = (reason: SpoolRefusal): void => {
    if (reason === 'too-large') tooLarge(this.ctx);
    else sendStatusText(this.ctx, 500);
  };

  /** The forwarder hands over the upstream's answer; a retry on another server starts a new one. */
  private readonly hold = (status: number, headers: ResponseHeaders, sendHead: () => void): Writable => {
    this.response?.dispose();
    this.status = status;
    this.headers = headers;
    this.sendHead = sendHead;
    const spool = new BodySpool(this.limits.memResponse, this.limits.maxResponse, this.responseRefused);
    this.response = spool;
    spool.once('finish', this.responseRead);
    return spool;
  };

  private readonly responseRefused = (): void => {
    // oxy answers 500 for a response over maxResponseBodyBytes; its body is dropped as it arrives.
    sendStatusText(this.ctx, 500);
  };

  /** The whole answer is here: the head goes out with its length, then the body from memory or the file. */
  private readonly responseRead = (): void => {
    const spool = this.response;
    const ctx = this.ctx;
    const res = ctx.res;
    if (spool === null || spool.refused !== null || spool.disposed || res.clientGone || res.headersSent) return;
    const status = this.status;
    const headers = this.headers;
    const bodyAllowed = ctx.method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
    if (bodyAllowed && headers['content-length'] === undefined) headers['content-length'] = String(spool.length);
    // A middleware that rewrites the body (compress) takes it from here, as it would from the forwarder.
    const sink = ctx.response?.body?.(status, headers, this.sendHead) ?? null;
    if (sink === null) this.sendHead();
    if (!bodyAllowed || spool.length === 0) {
      if (sink === null) res.end();
      else sink.end();
      return;
    }
    const body = spool.open();
    if (sink === null) {
      if (Buffer.isBuffer(body)) res.end(body);
      else relayToResponse(body, res);
    } else if (Buffer.isBuffer(body)) {
      sink.end(body);
    } else {
      relayToSink(body, sink, () => res.destroy());
    }
  };

  private readonly dispose = (): void => {
    this.request?.dispose();
    this.response?.dispose();
  };
}

function tooLarge(ctx: RequestContext): void {
  // The rest of the body is not kept: close the connection after answering instead of waiting for it.
  sendStatusText(ctx, 413, { connection: 'close' });
}
