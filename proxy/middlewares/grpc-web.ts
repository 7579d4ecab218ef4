/**
 * gRPC-Web ⇄ gRPC translation, as pure pieces (the improbable-eng wrapper Traefik's grpcWeb uses): which
 * requests are gRPC-Web, the gRPC content type they become, `-text` bodies in base64, and the backend's
 * trailers turned into the length-prefixed trailer frame a browser reads. The middleware itself (its request sent
 * upstream over HTTP/2, the answer's trailers taken through `ResponseHooks.trailers`) is not written yet, so it
 * refuses to build, saying so by name.
 */

export interface GrpcWebOptions {
  allowOrigins: string[];
}

export interface GrpcWebRequestKind {
  /** `application/grpc-web-text`: bodies travel in base64 both ways. */
  readonly text: boolean;
  /** The content type the gRPC backend is sent (`application/grpc`, `application/grpc+proto`, ...). */
  readonly grpcContentType: string;
}

/** The gRPC-Web kind of a request's Content-Type, or null for any other request. */
export function grpcWebKind(contentType: string | undefined): GrpcWebRequestKind | null {
  if (contentType === undefined) return null;
  const lower = contentType.toLowerCase();
  if (lower.startsWith('application/grpc-web-text')) return { text: true, grpcContentType: `application/grpc${contentType.slice('application/grpc-web-text'.length)}` };
  if (lower.startsWith('application/grpc-web')) return { text: false, grpcContentType: `application/grpc${contentType.slice('application/grpc-web'.length)}` };
  return null;
}

/** The gRPC-Web content type answered for a backend's gRPC one. */
export function grpcWebContentType(grpcContentType: string, text: boolean): string {
  const suffix = grpcContentType.toLowerCase().startsWith('application/grpc') ? grpcContentType.slice('application/grpc'.length) : '';
  return `application/grpc-web${text ? '-text' : ''}${suffix}`;
}

/** The trailer frame: flag 0x80, a 4-byte big-endian length, then `name: value\r\n` lines, names lower-case. */
export function trailerFrame(trailers: Iterable<readonly [string, string]>): Buffer {
  let text = '';
  for (const [name, value] of trailers) text += `${name.toLowerCase()}: ${value}\r\n`;
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

/**
 * Decodes a `-text` body that arrives in pieces: base64 is decoded four characters at a time, and a client
 * may send several padded chunks one after another, so each quantum is decoded on its own.
 */
export class Base64Stream {
  private pending = '';

  push(chunk: string): Buffer {
    const text = this.pending + chunk.replace(/\s+/g, '');
    const whole = text.length - (text.length % 4);
    this.pending = text.slice(whole);
    const parts: Buffer[] = [];
    for (let i = 0; i < whole; i += 4) parts.push(Buffer.from(text.slice(i, i + 4), 'base64'));
    return Buffer.concat(parts);
  }

  /** True when no partial quantum is left over (a well-formed body). */
  get complete(): boolean {
    return this.pending === '';
  }
}

/** Traefik's origin check: an `allowOrigins` entry `*` or equal to the Origin. */
export function originAllowed(allowOrigins: readonly string[], origin: string): boolean {
  return allowOrigins.some((o) => o === '*' || o === origin);
}

/** A CORS preflight for gRPC-Web: OPTIONS with an Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, headers: { readonly origin?: string | undefined; readonly 'access-control-request-method'?: string | string[] | undefined }): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/** The factory: refuses by name until the middleware is written. */
export function createGrpcWeb(_options: GrpcWebOptions): never {
  throw new Error('grpcWeb is not implemented yet in pe-edge');
}
