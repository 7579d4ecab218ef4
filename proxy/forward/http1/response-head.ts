import type { IncomingHttpHeaders } from 'node:http';
import { trimOws } from '../../http/header-whitespace.js';

/** An upstream response's status line and headers, as the forwarder consumes them. */
export interface ResponseHead {
  readonly status: number;
  readonly statusMessage: string;
  /** HTTP/1.0 answers close the connection unless they ask to keep it. */
  readonly http10: boolean;
  /** Lower-case names; a repeated header becomes an array (undici's shape, which the forwarder reads). */
  readonly headers: IncomingHttpHeaders;
}

/** Response heads larger than this are refused (Node's and undici's default header limit is 16 KiB). */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

// RFC 9110 token characters for names; values may hold HTAB, visible ASCII and obs-text, nothing else
// (exactly what node:http's writeHead accepts, so a relayed header can never throw there).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

/**
 * Parses a response head (`head` is the latin1 text before the blank line, CRLF-separated).
 * Throws an error with an llhttp-style code on anything malformed: the forwarder answers 502.
 */
export function parseResponseHead(head: string): ResponseHead {
  const lines = head.split('\r\n');
  const statusMatch = STATUS_LINE.exec(lines[0] as string);
  if (statusMatch === null) throw headError('HPE_INVALID_CONSTANT', 'invalid status line');
  const headers: IncomingHttpHeaders = {};
  const bag = headers as Record<string, string | string[]>;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) throw headError('HPE_INVALID_HEADER_TOKEN', 'invalid header line');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw headError('HPE_INVALID_HEADER_TOKEN', `invalid header name "${name}"`);
    const value = trimOws(line.slice(colon + 1));
    if (INVALID_VALUE.test(value)) throw headError('HPE_INVALID_HEADER_TOKEN', `invalid value in header "${name}"`);
    const key = name.toLowerCase();
    const existing = bag[key];
    if (existing === undefined) bag[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else bag[key] = [existing, value];
  }
  const status = Number(statusMatch[2]);
  if (status < 100) throw headError('HPE_INVALID_STATUS', `invalid status code ${statusMatch[2]}`);
  return {
    status,
    statusMessage: statusMatch[3] ?? '',
    http10: statusMatch[1] === '0',
    headers,
  };
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
 * an upstream smuggle a response to the client), one value when several equal ones were sent.
 */
export function bodyFraming(method: string, head: ResponseHead): BodyFraming {
  const framing = framingOf(method, head);
  const headers = head.headers as Record<string, string | string[] | undefined>;
  if (headers['content-length'] !== undefined) {
    if (headers['transfer-encoding'] !== undefined) delete headers['content-length'];
    else if (framing.kind === 'length') headers['content-length'] = String(framing.length);
  }
  return framing;
}

function framingOf(method: string, head: ResponseHead): BodyFraming {
  const { status, headers } = head;
  if (method === 'HEAD' || status === 204 || status === 304 || status < 200) return NO_BODY;
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    const codings = (Array.isArray(te) ? te.join(',') : te).toLowerCase();
    // Chunked must be the final coding; a length alongside it is ignored (RFC 9112 §6.3.3).
    if (/(?:^|,)\s*chunked\s*$/.test(codings)) return CHUNKED;
    return UNTIL_CLOSE;
  }
  const cl = headers['content-length'];
  if (cl === undefined) return UNTIL_CLOSE;
  const values = Array.isArray(cl) ? cl : cl.split(',');
  let length = -1;
  for (const raw of values) {
    const v = raw.trim();
    if (!/^\d{1,15}$/.test(v)) throw headError('HPE_INVALID_CONTENT_LENGTH', `invalid Content-Length "${raw}"`);
    const n = Number(v);
    if (length !== -1 && n !== length) throw headError('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting Content-Length values');
    length = n;
  }
  return { kind: 'length', length };
}

/** Whether the connection may carry another request after this response (RFC 9112 §9.3). */
export function keepsAlive(head: ResponseHead): boolean {
  const connection = head.headers.connection;
  const tokens = connection === undefined ? '' : (Array.isArray(connection) ? connection.join(',') : connection).toLowerCase();
  if (tokens.includes('close')) return false;
  return !head.http10 || tokens.includes('keep-alive');
}

/** The server's `Keep-Alive: timeout=N` hint in ms, or null. */
export function keepAliveHintMs(head: ResponseHead): number | null {
  const value = head.headers['keep-alive'];
  if (value === undefined) return null;
  const match = /timeout=(\d+)/i.exec(Array.isArray(value) ? value.join(',') : value);
  return match === null ? null : Number(match[1]) * 1000;
}

function headError(code: string, message: string): Error {
  return Object.assign(new Error(`upstream response: ${message}`), { code });
}
