import net from 'node:net';
import tls from 'node:tls';
import type { TcpBuildInput } from '../../proxy/tcp/tcp-build.js';
import type { EdgeProxy } from '../../proxy/index.js';
import { buildInput, startProxy } from './proxy-fixture.js';
import { generateSelfSignedCertificate, type CertificateAndKey } from '../../proxy/tls/self-signed-certificate.js';

/** A TCP server on 127.0.0.1; `close()` destroys every connection it has. */
export interface TcpBackend {
  readonly port: number;
  readonly address: string;
  readonly connections: number;
  close(): Promise<void>;
}

/** Wraps a net or tls server that listens on an ephemeral loopback port. */
export async function listenTcp(server: net.Server): Promise<TcpBackend> {
  const sockets = new Set<net.Socket>();
  let total = 0;
  server.on('connection', (s: net.Socket) => {
    total++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return total;
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** Echoes every chunk back with `prefix` before it; with `greeting`, speaks first (a server-first protocol). */
export function echoServer(prefix: string, greeting?: string): Promise<TcpBackend> {
  return listenTcp(net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    if (greeting !== undefined) socket.write(greeting);
    socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([Buffer.from(prefix), chunk])));
  }));
}

/** A self-signed certificate for `names`, valid for a day. */
export function certificateFor(...names: string[]): CertificateAndKey {
  const now = Date.now();
  return generateSelfSignedCertificate({ commonName: names[0] ?? 'test', dnsNames: names, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
}

/** A TLS server (its own certificate for `name`) echoing with `prefix`. */
export function tlsEchoServer(name: string, prefix: string): Promise<TcpBackend & { cert: string }> {
  const { cert, key } = certificateFor(name);
  return listenTcp(tls.createServer({ cert, key }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([Buffer.from(prefix), chunk])));
  })).then((b) => Object.assign(b, { cert }));
}

/**
 * A TLS server (its own certificate for `name`) that starts its handshake `delayMs` after accepting, so dialling it
 * takes that long, and then stays silent (a server waiting for its client to speak). `open` counts its live connections.
 */
export async function slowSilentTlsServer(name: string, delayMs: number): Promise<TcpBackend & { readonly open: number }> {
  const { cert, key } = certificateFor(name);
  const secure = tls.createServer({ cert, key }, (socket) => socket.on('error', () => socket.destroy()));
  let open = 0;
  const backend = await listenTcp(net.createServer((socket) => {
    open++;
    socket.once('close', () => open--);
    socket.on('error', () => socket.destroy());
    socket.pause();
    setTimeout(() => secure.emit('connection', socket), delayMs);
  }));
  return {
    port: backend.port,
    address: backend.address,
    get connections() {
      return backend.connections;
    },
    get open() {
      return open;
    },
    close: () => backend.close(),
  };
}

/** A `tcp` build input with Traefik's default transport; tests give routers, services and the rest. */
export function tcpInput(parts: Partial<TcpBuildInput>): TcpBuildInput {
  return {
    routers: {},
    services: {},
    middlewares: {},
    serversTransports: {},
    defaultTransport: { dialTimeout: 30_000, dialKeepAlive: 15_000, terminationDelay: 100 },
    ...parts,
  };
}

/** Connects, collects what the peer sends until it closes (or `ms` pass), after writing `send` (if any). */
export function exchange(socket: net.Socket, send: string | null, ms = 2000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      resolve({ data, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
    });
    socket.once('close', () => done(true));
    socket.on('error', () => {});
    if (send !== null) socket.write(send);
  });
}

/** Resolves with the first chunk the socket reads. */
export function firstData(socket: net.Socket, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no data')), ms);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString('latin1'));
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed without data'));
    });
  });
}

export function connectPlain(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

export function connectTls(port: number, servername: string, extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false, ...extra }, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * A server answering the client's end of writing twice: `soon;` 100 ms later and `late;` 600 ms later. Through a
 * relay with a terminationDelay of 200 ms the first arrives and the second does not; with 0, neither.
 */
export function lateAnswerer(): Promise<TcpBackend> {
  return listenTcp(net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.resume();
    socket.once('end', () => {
      setTimeout(() => socket.write('soon;'), 100);
      setTimeout(() => socket.end('late;'), 600);
    });
  }));
}

/** Connects to `port`, writes, ends its writing half and collects the answer: what came, closed or not, after how long. */
export async function halfCloseExchange(port: number): Promise<{ data: string; closed: boolean; took: number }> {
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((r) => client.once('connect', r));
  const started = Date.now();
  const result = exchange(client, 'request', 3000);
  client.end();
  const { data, closed } = await result;
  return { data, closed, took: Date.now() - started };
}

/** A proxy with one `HostSNI(`*`)` TCP router on entrypoint `tcp` to the plain server at `address`, closed after the test. */
export async function tcpEdgeTo(t: { after: (fn: () => unknown) => void }, address: string): Promise<EdgeProxy> {
  const proxy = await startProxy({ ...buildInput({ entryPoints: { tcp: { address: '127.0.0.1:0' } } }), tcp: tcpInput({
    routers: { 'app@file': { rule: 'HostSNI(`*`)', service: 'app', entryPoints: ['tcp'] } },
    services: { 'app@file': { loadBalancer: { servers: [{ address, tls: false }] } } },
  }) });
  t.after(() => proxy.close(0));
  return proxy;
}
