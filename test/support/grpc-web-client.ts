import http from 'node:http';

// A gRPC-Web client as a browser library is one (grpc-web, @improbable-eng/grpc-web): a POST over HTTP/1.1 with a
// 5-byte-prefixed message, `application/grpc-web[-text]`, and the answer read frame by frame as it arrives, data
// frames (flag 0) then one trailer frame (flag 0x80) of `name: value\r\n` lines. Written from the gRPC-Web spec
// (PROTOCOL-WEB.md), not from pe-edge's code, so it checks pe-edge rather than agrees with it.

/** One message as a gRPC(-Web) data frame: flag 0, a 4-byte big-endian length, the bytes. */
export function dataFrame(message: Buffer | string): Buffer {
  const bytes = Buffer.from(message);
  const head = Buffer.from([0, 0, 0, 0, 0]);
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

export interface GrpcWebFrame {
  readonly trailer: boolean;
  readonly bytes: Buffer;
}

export interface GrpcWebAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** [name, value, ...] as received (repeated lines apart). */
  readonly rawHeaders: string[];
  /** The body exactly as received (base64 text in -text mode); messages and trailers stay empty when it is compressed. */
  readonly raw: Buffer;
  readonly messages: string[];
  /** The trailer frame's fields, null when the body had none. */
  readonly trailers: Record<string, string> | null;
}

export interface GrpcWebCall {
  /** The answer's head. */
  readonly head: Promise<http.IncomingMessage>;
  /** The next complete frame, or null at the end of the body. */
  nextFrame(): Promise<GrpcWebFrame | null>;
  /** The rest of the answer, read to its end. */
  answer(): Promise<GrpcWebAnswer>;
}

export interface GrpcWebRequest {
  readonly port: number;
  readonly path: string;
  /** The request body before any base64 (`dataFrame(...)`). */
  readonly body?: Buffer;
  readonly text?: boolean;
  readonly headers?: http.OutgoingHttpHeaders;
}

/** Starts a gRPC-Web call to pe-edge on 127.0.0.1 over HTTP/1.1. */
export function grpcWebCall(request: GrpcWebRequest): GrpcWebCall {
  const text = request.text ?? false;
  const payload = request.body ?? Buffer.alloc(0);
  const sent = text ? Buffer.from(payload.toString('base64')) : payload;
  let pending = Buffer.alloc(0);
  let rawChunks: Buffer[] = [];
  let base64Left = '';
  let ended = false;
  let failed: Error | null = null;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const head = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: request.port, path: request.path, method: 'POST', agent: false,
      headers: {
        'content-type': text ? 'application/grpc-web-text' : 'application/grpc-web+proto',
        accept: text ? 'application/grpc-web-text' : 'application/grpc-web',
        'x-grpc-web': '1',
        'x-user-agent': 'grpc-web-javascript/0.1',
        'content-length': sent.length,
        ...request.headers,
      },
    }, (res) => {
      resolve(res);
      // A compressed body (compress around grpcWeb) is kept raw: the test reads it after decompressing it.
      const encoded = res.headers['content-encoding'] !== undefined;
      res.on('data', (chunk: Buffer) => {
        rawChunks.push(chunk);
        if (encoded) return;
        let bytes = chunk;
        if (text) {
          // Each base64 quantum stands alone, so padded pieces one after another decode too.
          const all = base64Left + chunk.toString('latin1');
          const whole = all.length - (all.length % 4);
          base64Left = all.slice(whole);
          const parts: Buffer[] = [];
          for (let i = 0; i < whole; i += 4) parts.push(Buffer.from(all.slice(i, i + 4), 'base64'));
          bytes = Buffer.concat(parts);
        }
        pending = Buffer.concat([pending, bytes]);
        signal();
      });
      res.on('end', () => {
        ended = true;
        signal();
      });
      res.on('error', (err) => {
        failed = err;
        signal();
      });
    });
    req.on('error', (err) => {
      failed = err;
      reject(err);
      signal();
    });
    req.end(sent);
  });

  const nextFrame = async (): Promise<GrpcWebFrame | null> => {
    for (;;) {
      if (pending.length >= 5) {
        const length = pending.readUInt32BE(1);
        if (pending.length >= 5 + length) {
          const frame = { trailer: ((pending[0] as number) & 0x80) !== 0, bytes: pending.subarray(5, 5 + length) };
          pending = pending.subarray(5 + length);
          return frame;
        }
      }
      if (failed !== null) throw failed;
      if (ended) {
        if (pending.length !== 0) throw new Error(`the body ended inside a frame (${pending.length} bytes left)`);
        return null;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  const answer = async (): Promise<GrpcWebAnswer> => {
    const res = await head;
    const messages: string[] = [];
    let trailers: Record<string, string> | null = null;
    for (let frame = await nextFrame(); frame !== null; frame = await nextFrame()) {
      if (!frame.trailer) {
        assertNoTrailersYet(trailers);
        messages.push(frame.bytes.toString());
        continue;
      }
      trailers = {};
      for (const line of frame.bytes.toString('latin1').split('\r\n')) {
        if (line === '') continue;
        const colon = line.indexOf(':');
        trailers[line.slice(0, colon)] = line.slice(colon + 1).trim();
      }
    }
    const raw = Buffer.concat(rawChunks);
    rawChunks = [];
    return { status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, raw, messages, trailers };
  };

  return { head, nextFrame, answer };
}

function assertNoTrailersYet(trailers: Record<string, string> | null): void {
  if (trailers !== null) throw new Error('a data frame came after the trailer frame');
}
