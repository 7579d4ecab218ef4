import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ForwardRequest } from '../../forward/http1/exchange.js';
import type { UpstreamPool } from '../../forward/upstream-transport.js';
import type { ProxyResponse } from '../../http/request-context.js';

/** The auth server's whole answer: headers with lower-case names, repeated ones as arrays. */
export interface AuthAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * How the auth request ended: answered, body over maxResponseBodySize, failed (unreachable, cut, the 30 s
 * of Go's client timeout), or the client left first (nothing to answer).
 */
export type AuthOutcome =
  | { readonly kind: 'answer'; readonly answer: AuthAnswer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'failed'; readonly error: Error }
  | { readonly kind: 'client-gone' };

/** Traefik's forwardAuth client gives up after 30 s, answer body included. */
export const AUTH_TIMEOUT_MS = 30_000;

const EMPTY = Buffer.alloc(0);

/**
 * One auth request over a keep-alive pool: the answer is read whole (bounded by `maxBody`, -1 = no bound),
 * then `done` is called exactly once. Redirects are never followed. A client that leaves aborts it.
 */
export function callAuthServer(pool: UpstreamPool, request: ForwardRequest, res: ProxyResponse, maxBody: number, done: (outcome: AuthOutcome) => void): void {
  pool.dispatch(request, new AuthCall(res, maxBody, done));
}

class AuthCall implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private finished = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly res: ProxyResponse, private readonly maxBody: number, private readonly done: (outcome: AuthOutcome) => void) {
    this.timer = setTimeout(this.onTimeout, AUTH_TIMEOUT_MS);
    res.once('close', this.onClientClose);
  }

  private readonly onTimeout = (): void => {
    this.stop(new Error(`auth server did not answer within ${AUTH_TIMEOUT_MS / 1000}s`), { kind: 'failed', error: new Error('forwardAuth timeout') });
  };

  private readonly onClientClose = (): void => {
    if (!this.res.completed) this.stop(new Error('client closed the connection'), { kind: 'client-gone' });
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished) return;
    this.size += chunk.length;
    if (this.maxBody >= 0 && this.size > this.maxBody) {
      this.stop(new Error('auth answer over maxResponseBodySize'), { kind: 'too-large' });
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.chunks.length === 0 ? EMPTY : this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
    this.finish({ kind: 'answer', answer: { status: this.status, headers: this.headers, body } });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finish(this.res.clientGone ? { kind: 'client-gone' } : { kind: 'failed', error });
  }

  /** Ends the exchange early: the auth request is aborted, and `outcome` is what the middleware hears. */
  private stop(reason: Error, outcome: AuthOutcome): void {
    if (this.finished) return;
    this.finish(outcome);
    const controller = this.controller;
    if (controller !== null && !controller.aborted) controller.abort(reason);
  }

  private finish(outcome: AuthOutcome): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.res.off('close', this.onClientClose);
    this.chunks = [];
    this.done(outcome);
  }
}
