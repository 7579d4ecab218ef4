import { requestBodyStream, type Handler, type RequestContext, type WholeBody } from '../http/request-context.js';
import { reportFault } from '../http/exchange-fault.js';
import { hasRequestBody, requestBodyFraming } from '../http/request-body-framing.js';
import { sendGoStatusError } from '../http/traefik-responses.js';
import { runExchange } from '../http/run-exchange.js';
import { bufferedBody, EMPTY_BODY, replayMemory, readReplayBody } from './replay-body.js';
import { copyRequest, DiscardedResponse, mirrorContext, type MirroredRequest } from './mirror-exchange.js';

export interface Mirror {
  readonly handler: Handler;
  /** 0..100 */
  readonly percent: number;
}

export interface MirroringOptions {
  /** false: mirrors get the request without its body. */
  readonly mirrorBody: boolean;
  /** Bodies over it are not mirrored; negative: no limit (but the memory budget of replay-body.ts). */
  readonly maxBodySize: number;
}

/** Requests whose mirrors are being sent, per mirroring service; more are served without mirrors. */
export const MAX_MIRRORED_IN_FLIGHT = 256;

/** A mirror exchange still running after this is cut (the slot and body it holds are needed by later requests). */
export const MIRROR_DEADLINE_MS = 60_000;

/**
 * The state of one mirroring service that outlives a reload leaving it unchanged: Traefik's request count and
 * per-mirror counts, and the requests whose mirrors are in flight.
 */
export class MirrorCounters {
  total = 0;
  readonly counts: number[];
  inFlight = 0;

  constructor(mirrors: number) {
    this.counts = new Array<number>(mirrors).fill(0);
  }

  /**
   * The mirrors request number `total` goes to, as Traefik's getActiveMirrors: mirror i is taken while it has
   * been sent fewer than percent_i % of the requests so far (counts, not chance: 10 % takes requests 1, 11, 21…).
   */
  select(mirrors: readonly Mirror[]): Mirror[] | null {
    const total = ++this.total;
    let out: Mirror[] | null = null;
    for (let i = 0; i < mirrors.length; i++) {
      const mirror = mirrors[i] as Mirror;
      const count = this.counts[i] as number;
      if (count * 100 < total * mirror.percent) {
        this.counts[i] = count + 1;
        (out ??= []).push(mirror);
      }
    }
    return out;
  }
}

/**
 * A `mirroring` service (Traefik's mirror.go): every request goes to the main service; the ones a mirror's
 * percent selects are sent again to that mirror once the main answer is complete, in the background, their
 * answers discarded. A slow or dead mirror never delays or fails the main request. A body is read whole for the
 * mirrors before the main request (as Traefik does), up to maxBodySize; a larger one is sent to the main service
 * in full and not mirrored.
 */
export function createMirroringService(main: Handler, mirrors: readonly Mirror[], options: MirroringOptions, counters: MirrorCounters): Handler {
  if (mirrors.length === 0) return main;
  return (ctx: RequestContext): void => {
    const selected = counters.select(mirrors);
    // An upgrade's tunnel cannot be sent twice; Traefik's attempt fails on its discarding writer.
    if (selected === null || ctx.upgrade !== null || counters.inFlight >= MAX_MIRRORED_IN_FLIGHT) {
      main(ctx);
      return;
    }
    counters.inFlight++;
    const copy = copyRequest(ctx);
    if (!hasRequestBody(ctx)) {
      serveThenMirror(ctx, main, copy, selected, null, 0, counters);
      return;
    }
    if (!options.mirrorBody) {
      serveThenMirror(ctx, main, copy, selected, EMPTY_BODY, 0, counters);
      return;
    }
    const limit = options.maxBodySize;
    const read = ctx.body;
    if (read !== null) {
      // A buffering middleware read it already; mirrors keep the bytes only when they are in memory.
      const bytes = read.length <= limit || limit < 0 ? read.open() : null;
      if (!Buffer.isBuffer(bytes) || !replayMemory.reserve(bytes.length)) {
        if (bytes !== null && !Buffer.isBuffer(bytes)) bytes.destroy();
        withoutMirrors(ctx, main, counters);
        return;
      }
      serveThenMirror(ctx, main, copy, selected, bufferedBody(bytes), bytes.length, counters);
      return;
    }
    const declared = requestBodyFraming(ctx.req.headers);
    const stream = requestBodyStream(ctx);
    // A declared length over the limit or over what the budget has left is not read at all.
    if (stream === null || (typeof declared === 'number' && ((limit >= 0 && declared > limit) || declared > replayMemory.limit - replayMemory.heldBytes))) {
      withoutMirrors(ctx, main, counters);
      return;
    }
    readReplayBody(stream, limit, (result) => runExchange(ctx, () => {
      if (result.kind === 'too-large') {
        ctx.res.once('close', () => replayMemory.release(result.reserved));
        withoutMirrors(ctx, main, counters);
      } else if (result.kind === 'failed') {
        counters.inFlight--;
        if (!ctx.res.clientGone && !ctx.res.headersSent) sendGoStatusError(ctx, 500);
      } else {
        const body = bufferedBody(result.body);
        ctx.body = body;
        serveThenMirror(ctx, main, copy, selected, body, result.reserved, counters);
      }
    }));
  };
}

function withoutMirrors(ctx: RequestContext, main: Handler, counters: MirrorCounters): void {
  counters.inFlight--;
  main(ctx);
}

/** Serves ctx with the main service; once its answer is complete, sends the mirrors one after the other. */
function serveThenMirror(ctx: RequestContext, main: Handler, copy: MirroredRequest, selected: readonly Mirror[], body: WholeBody | null, reserved: number, counters: MirrorCounters): void {
  const finish = (): void => {
    counters.inFlight--;
    replayMemory.release(reserved);
  };
  ctx.res.once('close', () => {
    // A client that went away before the whole answer cancels the mirrors (Traefik checks the request's context).
    if (!ctx.res.completed) finish();
    else sendMirrors(copy, selected, body, 0, finish);
  });
  main(ctx);
}

function sendMirrors(copy: MirroredRequest, selected: readonly Mirror[], body: WholeBody | null, index: number, finish: () => void): void {
  const mirror = selected[index];
  if (mirror === undefined) {
    finish();
    return;
  }
  const res = new DiscardedResponse();
  const deadline = setTimeout(() => res.destroy(), MIRROR_DEADLINE_MS);
  deadline.unref();
  res.once('close', () => {
    clearTimeout(deadline);
    sendMirrors(copy, selected, body, index + 1, finish);
  });
  const ctx = mirrorContext(copy, body, res);
  try {
    mirror.handler(ctx);
  } catch (err) {
    reportFault(ctx, 'handler', err);
    res.destroy();
  }
}
