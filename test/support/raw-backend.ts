import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** An upstream that answers with exact bytes, for tests of what pe-edge does with hostile or odd backends. */
export interface RawBackend {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads received, in order. */
  heads: string[];
  close(): Promise<void>;
}

/** A TCP server that calls `answer` for each request head (requests without bodies only). */
export async function startRawBackend(answer: (socket: net.Socket, head: string, index: number) => void): Promise<RawBackend> {
  const sockets = new Set<net.Socket>();
  const backend: RawBackend = { url: '', connections: 0, heads: [], close: async () => undefined };
  const server = net.createServer((socket) => {
    backend.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        backend.heads.push(head);
        answer(socket, head, backend.heads.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend.close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return backend;
}
