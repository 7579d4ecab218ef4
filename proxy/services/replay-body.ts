import type { Readable } from 'node:stream';
import type { WholeBody } from '../http/request-context.js';
import { MemoryBudget } from '../http/memory-budget.js';

/**
 * Request bodies held in memory to be sent again, by all services together: for a mirroring service's mirrors
 * (from the first byte read until the last mirror of the request is done) and for a failover with `errors`
 * (until the request is over). A body that does not fit is served once, streamed: its mirrors are not sent, the
 * main service's answer is not failed over. (Traefik's default limits, -1, hold any body in memory, however large.)
 */
export const MAX_REPLAY_BODY_BYTES = 64 * 1024 * 1024;

/** Shared by every mirroring and failover service. */
export const replayMemory = new MemoryBudget(MAX_REPLAY_BODY_BYTES);

/** A body held in memory, sent with its Content-Length. */
export function bufferedBody(bytes: Buffer): WholeBody {
  return { length: bytes.length, open: () => bytes };
}

export const EMPTY_BODY: WholeBody = bufferedBody(Buffer.alloc(0));

/** What reading a body to send it again gave. */
export type ReplayBodyRead =
  /** The whole body, `reserved` bytes of it taken from the budget. */
  | { kind: 'whole'; body: Buffer; reserved: number }
  /**
   * Over `limit` or over what the budget has left (`over` says which): the bytes read are back in the stream, still
   * `reserved` in the budget until the caller releases them when the request is over (they stay in memory until the
   * main request has read them, and a budget freed at once would let every concurrent upload hold that much more).
   */
  | { kind: 'too-large'; over: 'limit' | 'budget'; reserved: number }
  /** The client's body failed (reset, deadline): nothing is held. */
  | { kind: 'failed' };

/**
 * Reads a request body whole to send it again, as Traefik's NewReusableRequest (mirroring's and failover's): at
 * most `limit` bytes (negative: no limit but the budget). A body over it is put back into the stream (`unshift`), so the main request still
 * reads every byte of it from its first. Only paused-mode reads are used, so whoever reads the stream next
 * (the forwarder) finds it as a fresh one.
 */
export function readReplayBody(stream: Readable, limit: number, done: (result: ReplayBodyRead) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let settled = false;
  const detach = (): void => {
    stream.off('readable', onReadable);
    stream.off('end', onEnd);
    stream.off('error', onFailure);
    stream.off('close', onClose);
  };
  const settle = (result: ReplayBodyRead): void => {
    if (settled) return;
    settled = true;
    detach();
    if (result.kind === 'failed') replayMemory.release(length);
    done(result);
  };
  const onReadable = (): void => {
    for (;;) {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      chunks.push(chunk);
      length += chunk.length;
      const overLimit = limit >= 0 && length > limit;
      if (overLimit || !replayMemory.reserve(chunk.length)) {
        length -= chunk.length; // that chunk was not reserved
        const read = Buffer.concat(chunks);
        settle({ kind: 'too-large', over: overLimit ? 'limit' : 'budget', reserved: length });
        stream.unshift(read);
        return;
      }
    }
  };
  const onEnd = (): void => settle({ kind: 'whole', body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length), reserved: length });
  const onFailure = (): void => settle({ kind: 'failed' });
  const onClose = (): void => {
    if (!stream.readableEnded) settle({ kind: 'failed' });
  };
  stream.on('readable', onReadable);
  stream.once('end', onEnd);
  stream.once('error', onFailure);
  stream.once('close', onClose);
}
