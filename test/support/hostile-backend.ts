// A raw TCP "backend" for attack tests: it reads one request head per connection and lets the
// test answer with whatever bytes it likes (bad status lines, bad framing, early close...).
import net from 'node:net';

/** What the backend saw of one request: its head (up to the blank line) and the socket to answer on. */
export interface HostileRequest {
  head: string;
  /** Request line target, e.g. `/hostile-mw/x`. */
  target: string;
  socket: net.Socket;
}

/** Answers one request; the default writes nothing and the test decides. */
export type HostileHandler = (req: HostileRequest) => void;

export interface HostileBackend {
  url: string;
  port: number;
  /** Replaced freely by the test between requests. */
  handler: HostileHandler;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads seen, newest last (bounded to the last 200). */
  heads: string[];
  close(): Promise<void>;
}

/** Writes `bytes` and ends the connection: the simplest hostile answer. */
export function answerAndClose(bytes: Buffer | string): HostileHandler {
  return ({ socket }) => {
    socket.end(bytes);
  };
}

/**
 * Starts the raw backend on 127.0.0.1. Each connection reads heads one at a time (keep-alive is
 * possible when the handler leaves the socket open); the body of a request is not read apart from
 * what follows the head in the same packet.
 */
export async function startHostileBackend(handler: HostileHandler = answerAndClose('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')): Promise<HostileBackend> {
  const sockets = new Set<net.Socket>();
  const backend: HostileBackend = {
    url: '',
    port: 0,
    handler,
    connections: 0,
    heads: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((socket) => {
    backend.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      // Bounded: a head over 256 KiB is dropped with the connection.
      if (buffered.length > 262_144) return socket.destroy();
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end + 4);
        buffered = buffered.slice(end + 4);
        backend.heads.push(head);
        if (backend.heads.length > 200) backend.heads.shift();
        const target = head.split(' ')[1] ?? '';
        try {
          backend.handler({ head, target, socket });
        } catch {
          socket.destroy();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as net.AddressInfo).port;
  backend.url = `http://127.0.0.1:${backend.port}`;
  return backend;
}
