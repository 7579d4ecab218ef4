import * as grpc from '@grpc/grpc-js';

// A real gRPC server (grpc-js) for tests, with raw-bytes messages (no .proto needed: gRPC frames any bytes):
// `test.Echo/Unary` answers `echo:<request>` (or NOT_FOUND for `missing`), `test.Echo/Stream` answers
// `part 1`..`part n` for a request `n` (`test.Echo/Paced` the same, one part per `releaseNext()` after the first),
// and `grpc.health.v1.Health/Check` answers the status set on the backend. `denied` is refused PERMISSION_DENIED
// before any metadata (a trailers-only answer), `missing` NOT_FOUND after the response headers.

const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };

export const ECHO_SERVICE = {
  Unary: { path: '/test.Echo/Unary', requestStream: false, responseStream: false, ...raw },
  Stream: { path: '/test.Echo/Stream', requestStream: false, responseStream: true, ...raw },
  Paced: { path: '/test.Echo/Paced', requestStream: false, responseStream: true, ...raw },
} satisfies grpc.ServiceDefinition;

const HEALTH_SERVICE = {
  Check: { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false, ...raw },
} satisfies grpc.ServiceDefinition;

/** HealthCheckResponse.ServingStatus. */
export const SERVING = 1;
export const NOT_SERVING = 2;

export interface GrpcBackend {
  readonly port: number;
  /** What the health service answers from now on. */
  healthStatus: number;
  /** Metadata of the last call, as the server received it. */
  lastMetadata: grpc.Metadata | null;
  /** The request bytes of the last call, as the server received them. */
  lastRequest: Buffer | null;
  /** Lets a `Paced` call write its next part. */
  releaseNext(): void;
  close(): Promise<void>;
}

export async function startGrpcBackend(tls?: { cert: string; key: string }): Promise<GrpcBackend> {
  const server = new grpc.Server();
  let pacedNext: (() => void) | null = null;
  const backend: GrpcBackend = {
    port: 0,
    healthStatus: SERVING,
    lastMetadata: null,
    lastRequest: null,
    releaseNext: () => {
      const next = pacedNext;
      pacedNext = null;
      next?.();
    },
    // Calls still open after a second (a stream a failed test left waiting) are cut, so cleanup never hangs.
    close: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 1000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }),
  };
  server.addService(ECHO_SERVICE, {
    Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      backend.lastMetadata = call.metadata;
      backend.lastRequest = call.request;
      const text = call.request.toString();
      if (text === 'denied') {
        callback({ code: grpc.status.PERMISSION_DENIED, details: 'go away' });
        return;
      }
      const initial = new grpc.Metadata();
      initial.set('x-server-meta', 'from-server');
      call.sendMetadata(initial);
      if (text === 'missing') {
        callback({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
        return;
      }
      const trailing = new grpc.Metadata();
      trailing.set('x-echoed-meta', String(call.metadata.get('x-client-meta')[0] ?? ''));
      callback(null, Buffer.from(`echo:${text}`), trailing);
    },
    Stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      backend.lastMetadata = call.metadata;
      const n = Number(call.request.toString());
      for (let i = 1; i <= n; i++) call.write(Buffer.from(`part ${i}`));
      call.end();
    },
    Paced: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const n = Number(call.request.toString());
      let i = 0;
      const send = (): void => {
        i++;
        call.write(Buffer.from(`part ${i}`));
        if (i < n) pacedNext = send;
        else call.end();
      };
      send();
    },
  });
  server.addService(HEALTH_SERVICE, {
    Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      callback(null, Buffer.from([0x08, backend.healthStatus]));
    },
  });
  const credentials = tls === undefined
    ? grpc.ServerCredentials.createInsecure()
    : grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], false);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err === null ? resolve(bound) : reject(err)));
  });
  return Object.assign(backend, { port });
}

/** The Echo client class (grpc-js's generic client over ECHO_SERVICE). */
export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

export interface UnaryAnswer {
  readonly value: string;
  readonly headers: grpc.Metadata;
  readonly trailers: grpc.Metadata;
}

/** One unary call, with its response metadata and trailers. */
export function unaryCall(client: grpc.Client, request: string, metadata = new grpc.Metadata()): Promise<UnaryAnswer> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let trailers = new grpc.Metadata();
    const call = client.makeUnaryRequest<Buffer, Buffer>(ECHO_SERVICE.Unary.path, (b) => b, (b) => b, Buffer.from(request), metadata, (err, value) => {
      if (err !== null) reject(err);
      // The status (with its trailers) comes before or after the callback: read it once both are in.
      else setImmediate(() => resolve({ value: (value as Buffer).toString(), headers, trailers }));
    });
    call.on('metadata', (m: grpc.Metadata) => (headers = m));
    call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
  });
}

/** A server-streaming call's messages, in order. */
export function streamCall(client: grpc.Client, request: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const parts: string[] = [];
    const call = client.makeServerStreamRequest<Buffer, Buffer>(ECHO_SERVICE.Stream.path, (b) => b, (b) => b, Buffer.from(request));
    call.on('data', (b: Buffer) => parts.push(b.toString()));
    call.on('error', reject);
    call.on('end', () => resolve(parts));
  });
}
