import type { Handler, RequestContext } from '../http/request-context.js';
import { answer } from '../http/traefik-responses.js';

export interface BufferingOptions {
  maxRequestBodyBytes?: number | undefined;
  memRequestBodyBytes?: number | undefined;
  maxResponseBodyBytes?: number | undefined;
  memResponseBodyBytes?: number | undefined;
  retryExpression?: string | undefined;
}

const TOO_LARGE = 'Request Entity Too Large';

/**
 * Traefik's buffering, request side: the body is read whole (up to maxRequestBodyBytes, else 413)
 * and forwarded with a Content-Length. Response buffering and retryExpression are refused at build
 * time, so a router never runs with half of what its configuration asks for.
 */
export function createBuffering(options: BufferingOptions, next: Handler): Handler {
  if ((options.maxResponseBodyBytes ?? 0) > 0) throw new Error('buffering.maxResponseBodyBytes is not implemented yet in pe-edge');
  if ((options.retryExpression ?? '') !== '') throw new Error('buffering.retryExpression is not implemented yet in pe-edge');
  const max = options.maxRequestBodyBytes ?? 0;
  return (ctx: RequestContext): void => {
    const declared = ctx.req.headers['content-length'];
    if (max > 0 && declared !== undefined && Number(declared) > max) {
      reject(ctx);
      return;
    }
    const body = ctx.req.bodyStream;
    if (body === null) {
      next(ctx);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    body.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (max > 0 && size > max) {
        rejected = true;
        reject(ctx);
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => {
      if (rejected) return;
      ctx.body = Buffer.concat(chunks, size);
      next(ctx);
    });
  };
}

function reject(ctx: RequestContext): void {
  // The rest of the body is not read: close the connection after answering instead of draining it.
  answer(ctx, 413, { connection: 'close', 'content-length': String(TOO_LARGE.length) }, TOO_LARGE);
}
