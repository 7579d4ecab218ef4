import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CLIENT_PREFACE, FLAG, FRAME, frame, settings, type ReceivedFrame } from './h2-frames.js';

/** What a raw HTTP/2 backend's scenario gets for each request: the connection to write frames on, and the stream. */
export interface RawH2Request {
  readonly streamId: number;
  /** Requests seen so far on every connection, this one included (1 for the first). */
  readonly index: number;
  write(bytes: Buffer): void;
  /** Closes the connection (a FIN, as a server does after a GOAWAY). */
  end(): void;
}

export interface RawH2Backend {
  /** `h2c://127.0.0.1:<port>` */
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A cleartext HTTP/2 server written frame by frame (h2c, prior knowledge), for upstream attack tests: it sends its
 * SETTINGS, acknowledges the client's SETTINGS and PINGs, and hands each request's HEADERS to `answer`, which writes
 * whatever frames it likes, malformed ones included.
 */
export async function startRawH2Backend(answer: (request: RawH2Request) => void): Promise<RawH2Backend> {
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const backend: RawH2Backend = { url: '', connections: 0, close: async () => undefined };
  const server = net.createServer((socket) => {
    backend.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    const write = (bytes: Buffer): void => {
      if (!socket.destroyed) socket.write(bytes);
    };
    write(settings());
    let pending = Buffer.alloc(0);
    let prefaceRead = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!prefaceRead) {
        if (pending.length < CLIENT_PREFACE.length) return;
        pending = pending.subarray(CLIENT_PREFACE.length);
        prefaceRead = true;
      }
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        const f: ReceivedFrame = { type: pending[3] ?? 0, flags: pending[4] ?? 0, streamId: pending.readUInt32BE(5) & 0x7fffffff, payload: pending.subarray(9, 9 + length) };
        pending = pending.subarray(9 + length);
        if (f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0) write(settings([], true));
        else if (f.type === FRAME.PING && (f.flags & FLAG.ACK) === 0) write(frame(FRAME.PING, FLAG.ACK, 0, f.payload));
        else if (f.type === FRAME.HEADERS) answer({ streamId: f.streamId, index: ++requests, write, end: () => socket.end() });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.url = `h2c://127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend.close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return backend;
}
