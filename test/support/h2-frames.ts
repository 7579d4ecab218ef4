// A tiny raw HTTP/2 client for attack tests: frames written byte by byte (RFC 9113), header blocks
// as HPACK literals without indexing (RFC 7541 §6.2.2), so a test can send what node's http2
// client refuses to (a content-length that does not match the DATA, frames on closed streams...).
import net from 'node:net';
import tls from 'node:tls';

export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
/** RST_STREAM / GOAWAY error codes. */
export const ERR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, FLOW_CONTROL_ERROR: 3, STREAM_CLOSED: 5, FRAME_SIZE_ERROR: 6, REFUSED_STREAM: 7, CANCEL: 8 } as const;

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One frame: 24-bit length, type, flags, 31-bit stream id, payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length & 0xffffff, 0, 3);
  head[3] = type & 0xff;
  head[4] = flags & 0xff;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK integer with an N-bit prefix (first byte's high bits given in `mask`). */
function hpackInt(value: number, prefixBits: number, mask = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([mask | value]);
  const out = [mask | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

function hpackString(s: string | Buffer): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([hpackInt(bytes.length, 7), bytes]);
}

/** A header block: every field a literal without indexing, new name (no Huffman, no table state). */
export function headerBlock(fields: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

export function headersFrame(streamId: number, fields: readonly (readonly [string, string])[], endStream: boolean): Buffer {
  return frame(FRAME.HEADERS, FLAG.END_HEADERS | (endStream ? FLAG.END_STREAM : 0), streamId, headerBlock(fields));
}

export function dataFrame(streamId: number, data: Buffer | string, endStream: boolean): Buffer {
  return frame(FRAME.DATA, endStream ? FLAG.END_STREAM : 0, streamId, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
}

export function rstStream(streamId: number, code: number = ERR.CANCEL): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code >>> 0);
  return frame(FRAME.RST_STREAM, 0, streamId, p);
}

export function settings(entries: readonly (readonly [number, number])[] = [], ack = false): Buffer {
  const p = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    p.writeUInt16BE(id & 0xffff, i * 6);
    p.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, ack ? FLAG.ACK : 0, 0, p);
}

export function windowUpdate(streamId: number, increment: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(increment >>> 0);
  return frame(FRAME.WINDOW_UPDATE, 0, streamId, p);
}

export function goaway(lastStreamId: number, code: number = ERR.NO_ERROR): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  p.writeUInt32BE(code >>> 0, 4);
  return frame(FRAME.GOAWAY, 0, 0, p);
}

export function ping(ack = false): Buffer {
  return frame(FRAME.PING, ack ? FLAG.ACK : 0, 0, Buffer.alloc(8, 7));
}

/** Request pseudo-headers for a POST/GET to `path` on `authority`, plus extra fields. */
export function requestFields(method: string, path: string, authority: string, extra: readonly (readonly [string, string])[] = []): [string, string][] {
  return [[':method', method], [':scheme', 'https'], [':path', path], [':authority', authority], ...extra.map(([n, v]) => [n, v] as [string, string])];
}

/** A frame the server sent, as read off the wire. */
export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A TLS connection with ALPN h2 (or a plain h2c one) that writes raw frames and parses what comes back into frames. */
export class RawH2Connection {
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  error: string | undefined;
  private pending = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code ?? err.message;
    });
  }

  /** Connects, checks ALPN picked h2, writes the client preface and an empty SETTINGS. */
  static connect(port: number, servername = 'localhost', timeoutMs = 3000): Promise<RawH2Connection> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['h2'], rejectUnauthorized: false });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          reject(new Error(`ALPN picked ${String(socket.alpnProtocol)}, not h2`));
          return;
        }
        socket.write(Buffer.concat([CLIENT_PREFACE, settings()]));
        resolve(new RawH2Connection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Connects in cleartext and speaks HTTP/2 with prior knowledge (h2c): the client preface and an empty SETTINGS. */
  static connectH2c(port: number, timeoutMs = 3000): Promise<RawH2Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.write(Buffer.concat([CLIENT_PREFACE, settings()]));
        resolve(new RawH2Connection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < 9 + length) break;
      const f: ReceivedFrame = {
        type: this.pending[3] ?? 0,
        flags: this.pending[4] ?? 0,
        streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.pending.subarray(9, 9 + length),
      };
      this.pending = this.pending.subarray(9 + length);
      // Acknowledge the server's SETTINGS, as a client must.
      if (f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0) this.write(settings([], true));
      this.frames.push(f);
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Waits until `cond` holds or the connection closes or `timeoutMs` passes; returns whether it held. */
  async waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return cond();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
    return true;
  }

  /** The first frame the server sent on `streamId` that answers it (HEADERS or RST_STREAM), waiting up to `timeoutMs`. */
  async answerOn(streamId: number, timeoutMs: number): Promise<ReceivedFrame | undefined> {
    const find = (): ReceivedFrame | undefined => this.frames.find((f) => f.streamId === streamId && (f.type === FRAME.HEADERS || f.type === FRAME.RST_STREAM));
    await this.waitFor(() => find() !== undefined, timeoutMs);
    return find();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The :status of a response HEADERS frame, when the server sent it as a static-table index or a plain literal. */
export function statusOf(f: ReceivedFrame): number | undefined {
  if (f.type !== FRAME.HEADERS) return undefined;
  let p = f.payload;
  if ((f.flags & FLAG.PADDED) !== 0) p = p.subarray(1, p.length - (p[0] ?? 0));
  if ((f.flags & FLAG.PRIORITY) !== 0) p = p.subarray(5);
  const first = p[0] ?? 0;
  // Indexed field from HPACK's static table: 8=200 9=204 10=206 11=304 12=400 13=404 14=500.
  const STATIC: Record<number, number> = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };
  if ((first & 0x80) !== 0) return STATIC[first & 0x7f];
  // A literal with an indexed name (:status is static index 8..14); value follows, not Huffman-coded or coded.
  const nameIndex = first & ((first & 0x40) !== 0 ? 0x3f : 0x0f);
  if (nameIndex >= 8 && nameIndex <= 14) {
    const len = p[1] ?? 0;
    const value = p.subarray(2, 2 + (len & 0x7f));
    return Number((len & 0x80) === 0 ? value.toString('latin1') : huffmanDigits(value));
  }
  return -1;
}

/** HPACK Huffman codes of the ten digits (RFC 7541 Appendix B): enough to read a :status. */
const DIGIT_CODES: readonly string[] = ['00000', '00001', '00010', '011001', '011010', '011011', '011100', '011101', '011110', '011111'];

function huffmanDigits(bytes: Buffer): string {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  let out = '';
  let at = 0;
  while (at < bits.length) {
    const digit = DIGIT_CODES.findIndex((code) => bits.startsWith(code, at));
    if (digit < 0) break; // EOS padding (all ones) or not a digit
    out += String(digit);
    at += DIGIT_CODES[digit]?.length ?? 0;
  }
  return out;
}
