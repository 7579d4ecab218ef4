import type { Socket } from 'node:net';

const CRLF = Buffer.from('\r\n');

/** The zero-size chunk that ends a `Transfer-Encoding: chunked` body (no trailers). */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * Writes `data` as one HTTP/1.1 chunk in a single corked write; returns socket.write's backpressure answer.
 * `written` is called once the chunk (`data` included) left for the kernel, or was dropped.
 */
export function writeChunk(socket: Socket, data: Buffer, written?: () => void): boolean {
  socket.cork();
  socket.write(data.length.toString(16) + '\r\n', 'latin1');
  socket.write(data);
  const flushed = socket.write(CRLF, written);
  socket.uncork();
  return flushed;
}
