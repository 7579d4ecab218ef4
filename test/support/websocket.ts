import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';

// A minimal RFC 6455 implementation for tests: the opening handshake and short text frames
// (payloads under 64 KiB, no fragmentation, no extensions). No npm dependency.

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** One frame; clients must mask (RFC 6455 §5.3), servers must not. */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const length = payload.length;
  const header: number[] = [0x80 | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) header.push(maskBit | length);
  else if (length < 65536) header.push(maskBit | 126, length >> 8, length & 0xff);
  else throw new Error('test frames are under 64 KiB');
  if (!mask) return Buffer.concat([Buffer.from(header), payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([Buffer.from(header), key, masked]);
}

interface Frame {
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Accumulates bytes and yields complete frames, unmasking as needed. */
class FrameReader {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) break;
      const opcode = (b[0] as number) & 0x0f;
      const masked = ((b[1] as number) & 0x80) !== 0;
      let length = (b[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        throw new Error('test frames are under 64 KiB');
      }
      const maskKey = masked ? b.subarray(offset, offset + 4) : null;
      if (masked) offset += 4;
      if (b.length < offset + length) break;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (maskKey !== null) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (maskKey[i % 4] as number);
      frames.push({ opcode, masked, payload });
      this.buffered = b.subarray(offset + length);
    }
    return frames;
  }
}

export interface WebSocketEchoBackend {
  url: string;
  port: number;
  /** Headers of each upgrade request received, newest last. */
  upgrades: http.IncomingHttpHeaders[];
  /** Whether every frame received from the client was masked (RFC 6455 requires it). */
  allClientFramesMasked: boolean;
  close(): Promise<void>;
}

/**
 * A WebSocket server on 127.0.0.1: greets each connection with `welcome <path>`, then answers every
 * text message `m` with `echo:m`. Plain HTTP requests get 426.
 */
export async function startWebSocketEchoBackend(): Promise<WebSocketEchoBackend> {
  const sockets = new Set<Duplex>();
  const backend: WebSocketEchoBackend = { url: '', port: 0, upgrades: [], allClientFramesMasked: true, close: async () => undefined };
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('websocket only');
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    backend.upgrades.push(req.headers);
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
    socket.write(encodeFrame(OP_TEXT, Buffer.from(`welcome ${req.url ?? ''}`), false));
    const reader = new FrameReader();
    const onData = (chunk: Buffer): void => {
      for (const frame of reader.push(chunk)) {
        if (!frame.masked) backend.allClientFramesMasked = false;
        if (frame.opcode === OP_TEXT) socket.write(encodeFrame(OP_TEXT, Buffer.from(`echo:${frame.payload.toString('utf8')}`), false));
        else if (frame.opcode === OP_CLOSE) socket.end(encodeFrame(OP_CLOSE, frame.payload, false));
      }
    };
    if (head.length > 0) onData(head);
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as AddressInfo).port;
  backend.url = `http://127.0.0.1:${backend.port}`;
  backend.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return backend;
}

export interface WebSocketClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Sec-WebSocket-Accept matched the key we sent. */
  acceptValid: boolean;
  send(text: string): void;
  /** The next text message from the server (rejects after `timeoutMs`). */
  next(timeoutMs?: number): Promise<string>;
  /** Sends a close frame and resolves when the server closed the connection. */
  close(): Promise<void>;
  destroy(): void;
}

export interface WebSocketConnectOptions {
  port: number;
  path?: string;
  /** Host header (and SNI over TLS). */
  host: string;
  /** wss: connect with TLS (HTTP/1.1, no ALPN). */
  tls?: tls.ConnectionOptions | boolean;
  /** More request headers (a Cookie). */
  headers?: Record<string, string>;
}

/** The non-upgrade answer when the server refused the upgrade. */
export interface RefusedUpgrade {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Opens a WebSocket over http.request's `upgrade`; resolves with the client, or the plain answer if there was no 101. */
export function connectWebSocket(opts: WebSocketConnectOptions): Promise<WebSocketClient | RefusedUpgrade> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const common = {
      host: '127.0.0.1',
      port: opts.port,
      path: opts.path ?? '/',
      agent: false as const,
      headers: {
        host: opts.host,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
        ...opts.headers,
      },
    };
    const req =
      opts.tls === undefined || opts.tls === false
        ? http.request(common)
        : https.request({
            ...common,
            servername: opts.host.replace(/:\d+$/, ''),
            rejectUnauthorized: false,
            ...(typeof opts.tls === 'object' ? opts.tls : {}),
          });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      resolve(webSocketClient(res, socket, head, key));
    });
    req.end();
  });
}

export function isOpen(c: WebSocketClient | RefusedUpgrade): c is WebSocketClient {
  return 'send' in c;
}

function webSocketClient(res: http.IncomingMessage, socket: Duplex, head: Buffer, key: string): WebSocketClient {
  const reader = new FrameReader();
  const messages: string[] = [];
  const waiting: ((text: string | Error) => void)[] = [];
  let closed = false;
  const deliver = (item: string | Error): void => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(item);
    else if (typeof item === 'string') messages.push(item);
  };
  const onData = (chunk: Buffer): void => {
    for (const frame of reader.push(chunk)) {
      if (frame.masked) deliver(new Error('server frames must not be masked'));
      else if (frame.opcode === OP_TEXT) deliver(frame.payload.toString('utf8'));
    }
  };
  const closedPromise = new Promise<void>((resolve) => {
    socket.once('close', () => {
      closed = true;
      for (const waiter of waiting.splice(0)) waiter(new Error('connection closed'));
      resolve();
    });
  });
  socket.on('error', () => socket.destroy());
  if (head.length > 0) onData(head);
  socket.on('data', onData);
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    acceptValid: res.headers['sec-websocket-accept'] === acceptKey(key),
    send(text) {
      socket.write(encodeFrame(OP_TEXT, Buffer.from(text), true));
    },
    next(timeoutMs = 2000) {
      const queued = messages.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (closed) return Promise.reject(new Error('connection closed'));
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiting.indexOf(settle);
          if (i !== -1) waiting.splice(i, 1);
          reject(new Error(`no message within ${timeoutMs} ms`));
        }, timeoutMs);
        function settle(item: string | Error): void {
          clearTimeout(timer);
          if (typeof item === 'string') resolve(item);
          else reject(item);
        }
        waiting.push(settle);
      });
    },
    close() {
      if (!closed) socket.write(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]), true));
      return closedPromise;
    },
    destroy() {
      socket.destroy();
    },
  };
}
