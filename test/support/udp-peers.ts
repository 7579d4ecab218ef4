import dgram from 'node:dgram';

/** A UDP server on loopback that answers every datagram with `<name>:<datagram>`, and counts what it saw. */
export interface UdpEcho {
  name: string;
  port: number;
  /** `host:port`, as a UDP service's server address. */
  address: string;
  /** Client ports (the proxy's per-session sockets) that sent to it, in order of first datagram. */
  peers: number[];
  close(): Promise<void>;
}

export async function startUdpEcho(name: string, host = '127.0.0.1'): Promise<UdpEcho> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const peers: number[] = [];
  socket.on('message', (datagram, peer) => {
    if (!peers.includes(peer.port)) peers.push(peer.port);
    socket.send(Buffer.concat([Buffer.from(`${name}:`), datagram]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const port = socket.address().port;
  return {
    name,
    port,
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    peers,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A client socket, like one application's: each `ask` sends one datagram and waits for one answer (or null after `waitMs`). */
export interface UdpClient {
  ask(payload: string | Buffer, waitMs?: number): Promise<Buffer | null>;
  close(): void;
}

export async function udpClient(port: number, host = '127.0.0.1'): Promise<UdpClient> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => socket.connect(port, host, resolve));
  // A refused datagram (nothing listening) is an 'error' on a connected socket; the test sees a missing answer.
  socket.on('error', () => undefined);
  return {
    ask: (payload, waitMs = 1000) => new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.off('message', answered);
        resolve(null);
      }, waitMs);
      const answered = (datagram: Buffer): void => {
        clearTimeout(timer);
        resolve(datagram);
      };
      socket.once('message', answered);
      socket.send(payload);
    }),
    close: () => socket.close(),
  };
}

/** The backend name an echo answer starts with. */
export function answeredBy(answer: Buffer | null): string | null {
  if (answer === null) return null;
  const text = answer.subarray(0, 64).toString();
  const colon = text.indexOf(':');
  return colon === -1 ? null : text.slice(0, colon);
}

/** A UDP port nothing is bound to right now on 127.0.0.1: bind :0, read the port, close. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
