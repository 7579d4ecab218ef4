import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { trimOws } from '../../http/header-whitespace.js';
import { isValidHostHeader } from '../../http/request-target.js';
import { isHeadText, isToken } from '../../http/head-syntax.js';
import { knownHeaderName } from '../../http/header-names.js';
import { LastParse } from '../../http/last-parse.js';
import { copyOfBag } from '../../http/header-bag.js';
import type { ProxyRequest } from '../../http/proxy-exchange.js';

/** A request head the lean front serves itself: no body, or one framed by a single valid Content-Length. */
export interface LeanRequest extends ProxyRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case names; every name appears once (heads with repeated names go to node:http). */
  readonly headers: Record<string, string>;
  /** [name, value, ...] as the client spelled them. */
  readonly rawHeaders: string[];
  readonly httpVersionMajor: 1;
  readonly httpVersionMinor: 1;
  readonly httpVersion: '1.1';
  readonly socket: Socket;
  /** Set by the front for a body (contentLength > 0), read from the connection as it arrives. */
  bodyStream: Readable | null;
  /** The body's length; 0 without a body. */
  readonly contentLength: number;
  /** `Expect: 100-continue`: node:http's answer, `100 Continue` before routing, is due. */
  readonly expectContinue: boolean;
  /** The client sent `Connection: close`: the connection ends with this answer. */
  readonly closeAfter: boolean;
}

// Methods are the common ones only: node:http's parser knows a fixed list, upper-case, and refuses the rest.
const REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
/**
 * Content-Length values the front reads itself: digits only (leading zeros as node:http). Signs, lists (`5, 5`),
 * and values too long for an exact number go to node:http, whose 400 (or its reading) stays the one answer.
 */
const CONTENT_LENGTH = /^[0-9]{1,15}$/;
/** node:http's test of an Expect value it answers with 100 Continue (any other value gets its 417). */
const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * Heads longer than this are never remembered by a connection's RecentRequestFields. Its kept lines and values are,
 * to V8, windows on the whole head (sliced strings): after one request with a long target (up to half of
 * http.maxHeaderBytes comes through here), an idle connection would hold that head until its next request.
 */
const REMEMBERED_HEAD_MAX_CHARS = 8192;

/** What a request's header lines give the lean front, apart from its request line. */
interface RequestFields {
  readonly headers: Record<string, string>;
  readonly rawHeaders: string[];
  readonly contentLength: number;
  readonly expectContinue: boolean;
  readonly closeAfter: boolean;
}

/**
 * Parses a head (latin1 text before the blank line) the lean front can serve with node:http's exact
 * outcome, or returns null to hand the connection to node:http, which then answers whatever it is:
 * HTTP/1.0, absolute-form targets, Transfer-Encoding (chunked bodies, and with Content-Length too), a
 * Content-Length that is not plain digits, Expect other than 100-continue, Upgrade, repeated header names
 * (a repeated Content-Length included), missing Host, and every malformed head (node:http's 400s and 417
 * stay the single source of those answers). `recent`: the connection's last header lines, reused when these
 * are the same text.
 */
export function parseLeanRequest(head: string, socket: Socket, recent: RecentRequestFields | null = null): LeanRequest | null {
  const lineEnd = head.indexOf('\r\n');
  const requestLineText = lineEnd < 0 ? head : head.slice(0, lineEnd);
  if (!isHeadText(requestLineText)) return null;
  const requestLine = REQUEST_LINE.exec(requestLineText);
  if (requestLine === null) return null;
  const fieldsText = lineEnd < 0 ? '' : head.slice(lineEnd + 2);
  // What the memo keeps (the lines, their values) are windows on the whole head: a long one is parsed alone.
  const fields = recent === null || head.length > REMEMBERED_HEAD_MAX_CHARS ? parseFields(fieldsText) : recent.parse(fieldsText);
  if (fields === null) return null;
  return { method: requestLine[1] as string, url: requestLine[2] as string, headers: fields.headers, rawHeaders: fields.rawHeaders,
    httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1', socket, bodyStream: null, contentLength: fields.contentLength,
    expectContinue: fields.expectContinue, closeAfter: fields.closeAfter };
}

/** The header lines (CRLF-separated, no request line), or null when the lean front leaves them to node:http. */
function parseFields(text: string): RequestFields | null {
  if (!isHeadText(text)) return null;
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  let closeAfter = false;
  let contentLength = 0;
  let expectContinue = false;
  const lines = text === '' ? [] : text.split('\r\n');
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.includes('\r') || line.includes('\n')) return null;
    const name = line.slice(0, colon);
    let key = knownHeaderName(name);
    if (key === undefined) {
      if (!isToken(name)) return null;
      key = name.toLowerCase();
    }
    const value = trimOws(line.slice(colon + 1));
    if (headers[key] !== undefined) return null;
    switch (key) {
      case 'transfer-encoding':
      case 'upgrade':
        return null;
      case 'expect':
        if (!CONTINUE_EXPECTATION.test(value)) return null;
        expectContinue = true;
        break;
      case 'content-length':
        if (!CONTENT_LENGTH.test(value)) return null;
        contentLength = Number(value);
        break;
      case 'connection':
        closeAfter = /(?:^|,)\s*close\s*(?:,|$)/i.test(value);
        break;
    }
    headers[key] = value;
    rawHeaders.push(name, value);
  }
  // node:http's path answers a missing or malformed Host with Go's refusal.
  if (headers.host === undefined || !isValidHostHeader(headers.host)) return null;
  return { headers, rawHeaders, contentLength, expectContinue, closeAfter };
}

/** A connection's last header lines, parsed (see LastParse): a browser's differ mostly in the request line. */
export class RecentRequestFields extends LastParse<RequestFields | null> {
  constructor() {
    super(parseFields, (fields) => ({ ...fields, headers: copyOfBag(fields.headers), rawHeaders: fields.rawHeaders.slice() }));
  }
}
