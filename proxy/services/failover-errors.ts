import type { IncomingHttpHeaders } from 'node:http';
import { hasRequestBody, requestBodyFraming } from '../http/request-body-framing.js';
import { requestBodyStream, responseHooks, type Handler, type RequestContext, type ResponseHooks, type StatusCatcher } from '../http/request-context.js';
import { inStatusRanges, type StatusRanges } from '../http/status-ranges.js';
import { sendGoError, sendGoStatusError } from '../http/traefik-responses.js';
import { runExchange } from '../http/run-exchange.js';
import { bufferedBody, readReplayBody, replayMemory } from './replay-body.js';

/** `failover.errors`, parsed: the main service's answers to fail over on, and the largest body held to resend. */
export interface FailoverErrors {
  readonly ranges: StatusRanges;
  /** Negative: no limit but the replay memory budget (Traefik's default, -1). */
  readonly maxRequestBodyBytes: number;
}

/**
 * Serves ctx with `main` while the fallback may still take the request over (Traefik v3.7's failover.errors): the
 * body is read whole first (Traefik's NewReusableRequest), then an answer of `main` whose status is in the ranges
 * (the upstream's, or one pe-edge produced: 502, 503, 504) is dropped and the request goes to `fallback` as it
 * reached the failover, body included. A body over maxRequestBodyBytes is refused with Traefik's 413 before
 * `main` sees it; one the replay budget cannot hold is streamed to `main`, whose answer then stands.
 */
export function serveOrFailOver(ctx: RequestContext, errors: FailoverErrors, main: Handler, fallback: Handler): void {
  holdBody(ctx, errors.maxRequestBodyBytes, (held) => runExchange(ctx, () => {
    if (held === 'too-large') sendGoError(ctx, 413, 'Request body too large');
    else if (held === 'failed') {
      if (!ctx.res.clientGone && !ctx.res.headersSent) sendGoStatusError(ctx, 500);
    } else if (held === 'streamed') main(ctx);
    else {
      const hooks = responseHooks(ctx);
      const catcher = new FailoverCatcher(ctx, hooks, errors.ranges, fallback);
      (hooks.catchers ??= []).push(catcher);
      main(ctx);
    }
  }));
}

/** 'held': the body (if any) is in ctx.body and can be sent again; 'streamed': it could not be held and is not. */
type Held = 'held' | 'streamed' | 'too-large' | 'failed';

function holdBody(ctx: RequestContext, limit: number, done: (held: Held) => void): void {
  const read = ctx.body;
  // A buffering middleware read it already: Traefik's failover reads that copy again, under its own limit.
  if (read !== null) return done(limit >= 0 && read.length > limit ? 'too-large' : 'held');
  const stream = requestBodyStream(ctx);
  if (ctx.upgrade !== null || stream === null || !hasRequestBody(ctx)) return done('held');
  const declared = requestBodyFraming(ctx.req.headers);
  if (typeof declared === 'number') {
    if (limit >= 0 && declared > limit) return done('too-large');
    if (declared > replayMemory.limit - replayMemory.heldBytes) return done('streamed');
  }
  readReplayBody(stream, limit, (result) => {
    if (result.kind === 'failed') return done('failed');
    ctx.res.once('close', () => replayMemory.release(result.reserved));
    if (result.kind === 'too-large') return done(result.over === 'limit' ? 'too-large' : 'streamed');
    ctx.body = bufferedBody(result.body);
    done('held');
  });
}

/**
 * The failover's place on the response path (Traefik wraps the main service's writer): innermost, so it sees the
 * main service's answer before any errors middleware of the router does. Serving the fallback puts back what the
 * request and the response hooks were when the failover got the request, so nothing the main service did (a
 * sticky cookie it set, a header a middleware inside it added) reaches the fallback or its answer.
 */
class FailoverCatcher implements StatusCatcher {
  private served = false;
  private readonly hooks: ResponseHooks;
  private readonly headerHooks: number;
  private readonly catchers: number;
  private readonly request: RequestState;

  constructor(
    private readonly ctx: RequestContext,
    hooks: ResponseHooks,
    private readonly ranges: StatusRanges,
    private readonly fallback: Handler,
  ) {
    this.hooks = { ...hooks };
    this.headerHooks = hooks.headers.length;
    this.catchers = hooks.catchers?.length ?? 0;
    this.request = requestState(ctx);
  }

  catches(status: number): boolean {
    return !this.served && inStatusRanges(this.ranges, status);
  }

  serve(): void {
    if (this.served) return;
    this.served = true;
    const ctx = this.ctx;
    const outer = this.hooks;
    ctx.response = {
      ...outer,
      headers: outer.headers.slice(0, this.headerHooks),
      catchers: this.catchers === 0 ? null : (outer.catchers as StatusCatcher[]).slice(0, this.catchers),
    };
    restoreRequest(ctx, this.request);
    this.fallback(ctx);
  }
}

/** What a service's middlewares may change on a request (Traefik's fallback gets a clone taken before the main ran). */
interface RequestState {
  readonly hostHeader: string;
  readonly path: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly pathRewritten: boolean;
  readonly ownHeaders: string[] | null;
  readonly omitForwardedFor: boolean;
  readonly deletedForwarded: string[] | null;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
}

function requestState(ctx: RequestContext): RequestState {
  return {
    hostHeader: ctx.hostHeader,
    path: ctx.path,
    rawPath: ctx.rawPath,
    rawQuery: ctx.rawQuery,
    pathRewritten: ctx.pathRewritten,
    ownHeaders: ctx.ownHeaders === null ? null : [...ctx.ownHeaders],
    omitForwardedFor: ctx.omitForwardedFor,
    deletedForwarded: ctx.deletedForwarded === null ? null : [...ctx.deletedForwarded],
    headers: { ...ctx.req.headers },
    rawHeaders: [...ctx.req.rawHeaders],
  };
}

/** Puts the request back as it was; headers in place, as middlewares edit them (request-header-edit.ts). */
function restoreRequest(ctx: RequestContext, state: RequestState): void {
  ctx.hostHeader = state.hostHeader;
  ctx.path = state.path;
  ctx.rawPath = state.rawPath;
  ctx.rawQuery = state.rawQuery;
  ctx.pathRewritten = state.pathRewritten;
  ctx.ownHeaders = state.ownHeaders === null ? null : [...state.ownHeaders];
  ctx.omitForwardedFor = state.omitForwardedFor;
  ctx.deletedForwarded = state.deletedForwarded === null ? null : [...state.deletedForwarded];
  const raw = ctx.req.rawHeaders;
  raw.length = 0;
  raw.push(...state.rawHeaders);
  const headers = ctx.req.headers;
  for (const name of Object.keys(headers)) if (!(name in state.headers)) delete headers[name];
  Object.assign(headers, state.headers);
}
