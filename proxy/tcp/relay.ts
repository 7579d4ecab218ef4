import type net from 'node:net';
import { clientBytesRead } from '../http/client-read-garbage.js';
import type { ReusedReads } from './reused-reads.js';
import { timerMs } from '../timer-bounds.js';

/**
 * Relays bytes both ways between a client and a server until both are done, as Traefik's tcp.Proxy: when one side
 * ends its writing (or goes away), the other is told (FIN) and the remaining direction may flow for
 * `terminationDelay` ms more (negative: until it ends too); then both connections close, after what was written
 * to them is flushed. `serverReads`: the server socket was dialled with `onread` (its reads come there, not as 'data').
 */
export function relay(client: net.Socket, server: net.Socket, terminationDelay: number, serverReads: ReusedReads | null = null): void {
  // Half-closes are relayed, not answered by node closing our own writing side.
  client.allowHalfOpen = true;
  server.allowHalfOpen = true;
  let timer: NodeJS.Timeout | null = null;
  let open = 2;
  const finish = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    up.stop();
    down.stop();
    closeWhenFlushed(client);
    closeWhenFlushed(server);
  };
  const ended = (): void => {
    if (--open === 0) finish();
    else if (terminationDelay >= 0 && timer === null) timer = setTimeout(finish, timerMs(terminationDelay));
  };
  const up = direction(client, server, ended, null);
  const down = direction(server, client, ended, serverReads);
  client.once('end', up.end);
  server.once('end', down.end);
  // A side that is gone can neither be read nor written: both directions through it are over.
  client.once('close', () => {
    up.end();
    down.end();
  });
  server.once('close', () => {
    down.end();
    up.end();
  });
  // Resets and writes after a peer left end the relay through 'close'; nothing to report to the client.
  client.on('error', ignore);
  server.on('error', ignore);
  // A side gone while the server was dialled has already closed (its 'close' will not come again): it ends the relay
  // as Go's io.Copy from a closed connection returns at once, or the other side would be held for as long as it stays silent.
  if (client.destroyed) {
    up.end();
    down.end();
  }
  if (server.destroyed) {
    down.end();
    up.end();
  }
  client.resume();
}

function ignore(): void {}

/** Takes reads after a direction stopped: nothing holds them. */
function dropped(): boolean {
  return false;
}

/** Bytes one direction may have waiting to be written before its source pauses. */
const RELAY_BUFFER = 512 * 1024;

/** A server read smaller than this is copied when it must wait to be written (half the reused buffer's 64 KiB). */
const COPY_BELOW = 32 * 1024;

/** One way of the relay: src's bytes piped to dst; `end` tells dst no more is coming (Go's CloseWrite). */
function direction(src: net.Socket, dst: net.Socket, ended: () => void, reads: ReusedReads | null): { end: () => void; stop: () => void } {
  let over = false;
  // Not `pipe`: a socket's write high-water mark (16 KiB) is below one read (64 KiB), so pipe would pause and resume
  // the source on every chunk. The source pauses only once RELAY_BUFFER bytes wait to be written, as Go's io.Copy
  // holds one 32 KiB buffer in flight.
  const resume = (): void => void src.resume();
  /** Writes a chunk on; true when dst still holds it (not all written at once). */
  const onData = (chunk: Buffer): boolean => {
    dst.write(chunk);
    const waiting = dst.writableLength;
    if (waiting > RELAY_BUFFER && !src.isPaused()) {
      src.pause();
      dst.once('drain', resume);
    }
    return waiting > 0;
  };
  /**
   * A read into the reused buffer: written as it is when dst has nothing waiting (the write may complete at once and
   * free the buffer) or when it is at least half of a large buffer, else copied, since a queued chunk keeps its whole
   * buffer (up to 64 KiB) alive for what may be a few bytes, and RELAY_BUFFER counts bytes, not buffers.
   */
  const onRead = (chunk: Buffer): boolean => {
    if (dst.writableLength === 0 || chunk.length >= COPY_BELOW) return onData(chunk);
    onData(Buffer.from(chunk));
    return false;
  };
  /** A 'data' event: node read it into new memory (client-read-garbage.ts). */
  const onFreshData = (chunk: Buffer): void => {
    clientBytesRead(chunk.length);
    onData(chunk);
  };
  if (reads === null) src.on('data', onFreshData);
  else reads.take(onRead);
  // A source paused while the connection was taken (sniffing, dialling) flows again, as `pipe` would make it.
  src.resume();
  const stop = (): void => {
    if (reads === null) src.off('data', onFreshData);
    else reads.take(dropped);
    dst.off('drain', resume);
  };
  return {
    end: () => {
      if (over) return;
      over = true;
      stop();
      if (!dst.destroyed && !dst.writableEnded) dst.end();
      ended();
    },
    stop,
  };
}

/** How long a closing side may take to take what was written to it: a peer that stops reading cannot hold the connection. */
const FLUSH_LIMIT_MS = 5_000;

/** Ends the writing side if still open and closes the socket once what was written is flushed (at most FLUSH_LIMIT_MS later). */
function closeWhenFlushed(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  const limit = setTimeout(() => socket.destroy(), FLUSH_LIMIT_MS);
  limit.unref();
  socket.once('close', () => clearTimeout(limit));
  socket.once('finish', () => socket.destroy());
  if (!socket.writableEnded) socket.end();
}
