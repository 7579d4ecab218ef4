import http2, { type ClientHttp2Session } from 'node:http2';
import { probeTlsConnect, type UpstreamTransport } from '../../forward/upstream-transport.js';
import { timerMs } from '../../timer-bounds.js';

// gRPC Health Checking Protocol v1 (grpc.health.v1.Health/Check), as Traefik's `healthCheck.mode: grpc`: an empty
// HealthCheckRequest (all services, ""), healthy iff the answer's status is SERVING. One connection per probe, as
// Traefik dials one per check: h2c for http/h2c servers, TLS (h2 by ALPN) for https ones.

/** HealthCheckResponse.ServingStatus names, as Go's generated String() prints them. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const SERVING = 1;
/** A gRPC message frame holding an empty HealthCheckRequest: not compressed, length 0. */
const EMPTY_REQUEST = Buffer.alloc(5);

export interface ProbeResult {
  readonly up: boolean;
  readonly reason: string;
}

/**
 * Probes `target` (host and port; the path is not used, as in Traefik) within `timeoutMs`; TLS servers through the
 * service's serversTransport settings (certificates verified unless it says insecureSkipVerify).
 */
export function probeGrpcHealth(target: URL, timeoutMs: number, transport: UpstreamTransport): Promise<ProbeResult> {
  const secure = target.protocol === 'https:';
  const port = target.port === '' ? (secure ? 443 : 80) : target.port;
  const authority = `${target.hostname}:${port}`;
  return new Promise((resolve) => {
    let session: ClientHttp2Session | null = null;
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ up: false, reason: `gRPC health check timeout: no answer within ${timeoutMs} ms` }), timerMs(timeoutMs));
    const refused = (err: Error): void => finish({ up: false, reason: `gRPC health check failed: ${err.message}` });
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    try {
      session = http2.connect(`${secure ? 'https' : 'http'}://${authority}`, secure ? { createConnection: () => probeTlsConnect(transport, host, Number(port), refused) } : {});
    } catch (err) {
      // The transport's CA file unreadable at probe time (removed, rotated): the server is DOWN with the reason; a
      // throw here would reject this promise, and nobody awaits a rejection of a probe.
      refused(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    session.on('error', (err) => finish({ up: false, reason: `gRPC health check failed: ${err.message}` }));
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let message: string | undefined;
    const readStatus = (headers: http2.IncomingHttpHeaders): void => {
      const s = headers['grpc-status'];
      if (typeof s === 'string') {
        status = s;
        const m = headers['grpc-message'];
        message = typeof m === 'string' ? percentDecoded(m) : undefined;
      }
    };
    stream.on('response', (headers) => {
      const httpStatus = Number(headers[':status']);
      if (httpStatus !== 200) finish({ up: false, reason: `gRPC health check failed: HTTP status ${httpStatus}` });
      else readStatus(headers);
    });
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => finish({ up: false, reason: `gRPC health check failed: ${err.message}` }));
    stream.on('close', () => finish(verdict(status, message, Buffer.concat(chunks))));
    stream.end(EMPTY_REQUEST);
  });
}

function verdict(status: string | undefined, message: string | undefined, body: Buffer): ProbeResult {
  if (status === undefined) return { up: false, reason: 'gRPC health check failed: the answer ended without a grpc-status' };
  if (status !== '0') {
    const what = status === '12' ? 'gRPC server does not implement the health protocol' : 'gRPC health check failed';
    return { up: false, reason: `${what}: code ${status}${message ? `: ${message}` : ''}` };
  }
  const serving = servingStatus(body);
  if (serving === null) return { up: false, reason: 'gRPC health check failed: malformed HealthCheckResponse' };
  if (serving !== SERVING) return { up: false, reason: `received gRPC status code: ${SERVING_STATUS[serving] ?? String(serving)}` };
  return { up: true, reason: 'gRPC status SERVING' };
}

/**
 * HealthCheckResponse.status (field 1, varint) from the answer's first message; 0 (UNKNOWN) when absent, as
 * protobuf reads a missing field; null when the frame or the message cannot be read.
 */
export function servingStatus(body: Buffer): number | null {
  if (body.length < 5 || body[0] !== 0) return null;
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) return null;
  const message = body.subarray(5, 5 + length);
  let status = 0;
  let at = 0;
  while (at < message.length) {
    const tag = readVarint(message, at);
    if (tag === null) return null;
    at = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = readVarint(message, at);
      if (v === null) return null;
      at = v.next;
      if (field === 1) status = v.value;
    } else if (wire === 2) {
      const len = readVarint(message, at);
      if (len === null) return null;
      at = len.next + len.value;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return null;
  }
  return at === message.length ? status : null;
}

function readVarint(bytes: Buffer, from: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let at = from; at < bytes.length && at < from + 10; at++) {
    const byte = bytes[at] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
  }
  return null;
}

/** grpc-message is percent-encoded; a malformed escape leaves it as sent. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
