import { trimOws } from '../../http/header-whitespace.js';
import type { ResponseHeaders } from '../../http/request-context.js';

/**
 * gRPC-Web ⇄ gRPC translation, as the pure pieces of the wrapper Traefik's grpcWeb uses (traefik/grpc-web v0.16.0,
 * improbable-eng's go/grpcweb): which requests are gRPC-Web, the gRPC content type they become, `-text` bodies in
 * base64, and the backend's trailers turned into the length-prefixed trailer frame a browser reads.
 */

const GRPC = 'application/grpc';
const GRPC_WEB = 'application/grpc-web';
const GRPC_WEB_TEXT = 'application/grpc-web-text';

export interface GrpcWebRequestKind {
  /** `application/grpc-web-text`: bodies travel in base64 both ways. */
  readonly text: boolean;
  /** The content type the gRPC backend is sent (`application/grpc`, `application/grpc+proto`, ...). */
  readonly grpcContentType: string;
}

/**
 * The gRPC-Web kind of a POST's Content-Type, or null for any other request. The wrapper compares case-sensitively
 * (`strings.HasPrefix`) and replaces the first `application/grpc-web[-text]` with `application/grpc`.
 */
export function grpcWebKind(contentType: string | undefined): GrpcWebRequestKind | null {
  if (contentType === undefined || !contentType.startsWith(GRPC_WEB)) return null;
  const text = contentType.startsWith(GRPC_WEB_TEXT);
  return { text, grpcContentType: contentType.replace(text ? GRPC_WEB_TEXT : GRPC_WEB, GRPC) };
}

/** A response Content-Type as the wrapper rewrites it: its first `application/grpc` becomes the gRPC-Web type. */
export function grpcWebContentType(contentType: string, text: boolean): string {
  return contentType.replace(GRPC, text ? GRPC_WEB_TEXT : GRPC_WEB);
}

/**
 * The trailer frame: flag 0x80, a 4-byte big-endian length, then `name: value\r\n` lines, names lower-case and
 * sorted, values with line breaks made spaces and trimmed (Go's http.Header.Write, which the wrapper uses).
 */
export function trailerFrame(trailers: Readonly<ResponseHeaders> | null): Buffer {
  let text = '';
  if (trailers !== null) {
    const lines: [string, string][] = [];
    for (const name in trailers) {
      const value = trailers[name];
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) lines.push([name.toLowerCase(), trimOws(v.replace(/[\r\n]/g, ' '))]);
    }
    lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, value] of lines) text += `${name}: ${value}\r\n`;
  }
  const body = Buffer.from(text, 'latin1');
  const frame = Buffer.alloc(5 + body.length);
  frame[0] = 0x80;
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

/** The trailers of a trailer frame, or null when `frame` is not one. */
export function readTrailerFrame(frame: Buffer): [string, string][] | null {
  if (frame.length < 5 || ((frame[0] as number) & 0x80) === 0) return null;
  const length = frame.readUInt32BE(1);
  if (frame.length !== 5 + length) return null;
  const out: [string, string][] = [];
  for (const line of frame.subarray(5).toString('latin1').split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon === -1) return null;
    out.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return out;
}

const QUANTUM = /^(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;

/**
 * Decodes a `-text` body that arrives in pieces, four characters at a time, skipping line breaks as Go's base64
 * decoder does and refusing anything else that is not base64. Each quantum is decoded on its own, so several
 * padded chunks one after another are read too (the gRPC-Web spec allows them; Go's decoder reads them only when
 * they happen to arrive in separate reads).
 */
export class Base64Stream {
  private pending = '';
  private offset = 0;

  /** The bytes of the whole quanta received so far; throws on a character that is not base64. */
  push(chunk: string): Buffer {
    const text = this.pending + chunk.replace(/[\r\n]/g, '');
    const whole = text.length - (text.length % 4);
    this.pending = text.slice(whole);
    const parts: Buffer[] = [];
    for (let i = 0; i < whole; i += 4) {
      const quantum = text.slice(i, i + 4);
      if (!QUANTUM.test(quantum)) throw new Error(`illegal base64 data at input byte ${this.offset + i}`);
      parts.push(Buffer.from(quantum, 'base64'));
    }
    this.offset += whole;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** True when no partial quantum is left over (a well-formed body). */
  get complete(): boolean {
    return this.pending === '';
  }
}
