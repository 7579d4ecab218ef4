import { isBodilessStatus } from '../../http/bodiless-status.js';
import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens } from '../../http/hop-by-hop.js';
import { trimOws } from '../../http/header-whitespace.js';
import { ownHeader, putHeader } from '../../http/header-bag.js';
import { isFieldValue, isToken } from '../../http/head-syntax.js';
import { knownHeaderName } from '../../http/header-names.js';
import { UpstreamError } from '../upstream-errors.js';

/** An upstream response's status line and headers, as the forwarder consumes them. */
export interface ResponseHead {
  readonly status: number;
  /** The reason phrase when node:http can write it, else '' (node then sends the standard text). */
  readonly statusMessage: string;
  /** HTTP/1.0 answers close the connection unless they ask to keep it. */
  readonly http10: boolean;
  /** Lower-case names; a repeated header becomes an array (undici's shape, which the forwarder reads). */
  readonly headers: IncomingHttpHeaders;
}

/** Response heads larger than this are refused (Node's and undici's default header limit is 16 KiB). */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

// Names and values as node:http's writeHead accepts them (head-syntax.ts), so a relayed header can never throw there.
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

const LF = 10;
const LF_CRLF = Buffer.from('\n\r\n');
const LF_LF = Buffer.from('\n\n');

/**
 * Where the head in `buffer` ends: the index of the LF closing its last line, -1 while incomplete.
 * Lines may end in CRLF or, as HAProxy, nginx and Go accept, a bare LF.
 */
export function headEnd(buffer: Buffer): number {
  const crlf = buffer.indexOf(LF_CRLF);
  // A bare-LF blank line counts only when it comes first; a CRLF head is scanned once more at most.
  const lf = (crlf < 0 ? buffer : buffer.subarray(0, crlf)).indexOf(LF_LF);
  return lf >= 0 ? lf : crlf;
}

const CR = 13;

/**
 * Finds where a head arriving in pieces ends without joining the pieces: the end ("\n\n" or "\n\r\n")
 * is local, so each new piece is scanned once with the two bytes before it. A head a backend trickles a
 * byte at a time then costs linear time instead of one join and one full search per byte.
 */
export class HeadEndScanner {
  private last = 0;
  private beforeLast = 0;

  /** True when the head ends in `piece` (given the pieces fed before it); the caller then joins them. */
  feed(piece: Buffer): boolean {
    for (let i = piece.indexOf(LF); i >= 0; i = piece.indexOf(LF, i + 1)) {
      const p1 = i >= 1 ? piece[i - 1] : this.last;
      const p2 = i >= 2 ? piece[i - 2] : i === 1 ? this.last : this.beforeLast;
      if (p1 === LF || (p1 === CR && p2 === LF)) return true;
    }
    if (piece.length >= 2) {
      this.beforeLast = piece[piece.length - 2] as number;
      this.last = piece[piece.length - 1] as number;
    } else if (piece.length === 1) {
      this.beforeLast = this.last;
      this.last = piece[0] as number;
    }
    return false;
  }

  reset(): void {
    this.last = 0;
    this.beforeLast = 0;
  }
}

/** The index where the body starts, for a head that ends at `end` (see headEnd). */
export function bodyStart(buffer: Buffer, end: number): number {
  return buffer[end + 1] === LF ? end + 2 : end + 3;
}

/**
 * Parses a response head (`head` is the latin1 text before the blank line, CRLF- or LF-separated).
 * Throws a 'bad-response' UpstreamError on anything malformed: the forwarder answers 502.
 */
export function parseResponseHead(head: string): ResponseHead {
  const lines = head.split('\n');
  const statusMatch = STATUS_LINE.exec(withoutCr(lines[0] as string));
  if (statusMatch === null) throw headError('invalid status line');
  // A plain object (a fast shape); header-bag.ts keeps a header named __proto__ or constructor a header like any other.
  const bag: Record<string, string | string[]> = {};
  let field: string | null = null;
  // The field's continuation lines, trimmed, joined once the field is whole: joined (and trimmed) line by line, a
  // head of many folds cost its length squared.
  let folds: string[] | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = withoutCr(lines[i] as string);
    const first = line.charCodeAt(0);
    if (first === SP || first === HTAB) {
      // obs-fold (RFC 9112 §5.2): Go's textproto joins a continuation line to the field before it with one space
      // (and refuses one before any field), so Traefik relays the joined value. Validated once joined.
      if (field === null) throw headError('malformed header initial line');
      const part = trimOws(line);
      // A blank continuation adds nothing: the space before it is trimmed with the next join or with the value.
      if (part !== '') (folds ??= []).push(part);
      continue;
    }
    if (field !== null) addField(bag, unfolded(field, folds));
    field = line;
    folds = null;
  }
  if (field !== null) addField(bag, unfolded(field, folds));
  const status = Number(statusMatch[2]);
  if (status < 100) throw headError(`invalid status code ${statusMatch[2]}`);
  const reason = statusMatch[3] ?? '';
  return {
    status,
    // node's writeHead throws on a reason it cannot write (ERR_INVALID_CHAR); without one it sends the standard text.
    statusMessage: isFieldValue(reason) ? reason : '',
    http10: statusMatch[1] === '0',
    headers: bag,
  };
}

const SP = 32;
const HTAB = 9;

/** A field line and its continuations as one line, each joined with one space (a field line starts with no OWS). */
function unfolded(field: string, folds: readonly string[] | null): string {
  return folds === null ? field : `${trimOws(field)} ${folds.join(' ')}`;
}

/** Adds one `name: value` header line to the bag; throws on a malformed name or value. */
function addField(bag: Record<string, string | string[]>, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) throw headError('invalid header line');
  const name = line.slice(0, colon);
  let key = knownHeaderName(name);
  if (key === undefined) {
    if (!isToken(name)) throw headError(`invalid header name "${name}"`);
    key = name.toLowerCase();
  }
  const value = trimOws(line.slice(colon + 1));
  if (!isFieldValue(value)) throw headError(`invalid value in header "${name}"`);
  const existing = ownHeader(bag, key);
  if (existing === undefined) putHeader(bag, key, value);
  else if (Array.isArray(existing)) existing.push(value);
  else putHeader(bag, key, [existing, value]);
}

function withoutCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** The framing of a response body, decided by RFC 9112 §6.3 from the request method and the head. */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

const NO_BODY: BodyFraming = { kind: 'none' };
const CHUNKED: BodyFraming = { kind: 'chunked' };
const UNTIL_CLOSE: BodyFraming = { kind: 'close' };

/**
 * The body framing, with the head's Content-Length made to agree with it before it is relayed:
 * dropped when Transfer-Encoding frames the body (RFC 9112 §6.3.3, as Go does; relaying both would let
 * an upstream smuggle a response to the client) and on answers that never have one (1xx, 204, 304),
 * one value when several equal ones were sent. A transfer-coding other than a lone chunked is refused,
 * as Go refuses it: relayed as they are, gzip-coded bytes would reach the client as another message.
 */
export function bodyFraming(method: string, head: ResponseHead): BodyFraming {
  const headers = head.headers;
  const te = headers['transfer-encoding'];
  if (te !== undefined && (Array.isArray(te) || te.toLowerCase() !== 'chunked')) {
    throw headError(`unsupported transfer encoding "${String(te)}"`);
  }
  const status = head.status;
  if (isBodilessStatus(status)) {
    delete headers['content-length'];
    return NO_BODY;
  }
  if (te !== undefined) {
    delete headers['content-length'];
    return method === 'HEAD' ? NO_BODY : CHUNKED;
  }
  // A HEAD answer's length describes a body that is not sent: relayed as it is, as Go relays it.
  if (method === 'HEAD') return NO_BODY;
  const length = contentLength(headers['content-length']);
  if (length >= 0) headers['content-length'] = String(length);
  return length < 0 ? UNTIL_CLOSE : { kind: 'length', length };
}

const PLAIN_LENGTH = /^\d{1,15}$/;

/** The one length the Content-Length values agree on, -1 when absent; throws when one is invalid or they differ. */
function contentLength(cl: string | string[] | undefined): number {
  if (cl === undefined) return -1;
  // One value, as nearly every server sends: no list to split.
  if (typeof cl === 'string' && PLAIN_LENGTH.test(cl)) return Number(cl);
  const values = Array.isArray(cl) ? cl : cl.split(',');
  let length = -1;
  for (const raw of values) {
    const v = raw.trim();
    if (!PLAIN_LENGTH.test(v)) throw headError(`invalid Content-Length "${raw}"`);
    const n = Number(v);
    if (length !== -1 && n !== length) throw headError('conflicting Content-Length values');
    length = n;
  }
  return length;
}

/**
 * Whether the connection may carry another request after this response (RFC 9112 §9.3). HTTP/1.0 has
 * no chunked coding: when a 1.0 server uses it anyway, where its body ends is its guess, so the
 * connection is not trusted with another request even if the server asks for keep-alive.
 */
export function keepsAlive(head: ResponseHead, framing: BodyFraming): boolean {
  if (framing.kind === 'close') return false;
  const connection = head.headers.connection;
  // The value nearly every HTTP/1.1 server sends: nothing to split.
  if (connection === 'keep-alive' && !head.http10) return true;
  const tokens = connection === undefined ? null : connectionTokens(connection);
  if (tokens !== null && tokens.includes('close')) return false;
  if (!head.http10) return true;
  return tokens !== null && tokens.includes('keep-alive') && head.headers['transfer-encoding'] === undefined;
}

/** The server's `Keep-Alive: timeout=N` hint in ms, or null. */
export function keepAliveHintMs(head: ResponseHead): number | null {
  const value = head.headers['keep-alive'];
  if (value === undefined) return null;
  const match = /timeout=(\d+)/i.exec(Array.isArray(value) ? value.join(',') : value);
  return match === null ? null : Number(match[1]) * 1000;
}

function headError(message: string): UpstreamError {
  return new UpstreamError('bad-response', `upstream response: ${message}`);
}
