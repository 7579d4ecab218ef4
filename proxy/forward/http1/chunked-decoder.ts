import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamError } from '../upstream-errors.js';

/** Bytes of trailer fields read at most, as a response head's limit: more is a bad answer (502 or a cut). */
const TRAILER_LIMIT = 64 * 1024;
/** A chunk-size line's bytes before its CRLF, at most: Go's maxLineLength (4096) is the first refused. */
const MAX_CHUNK_LINE = 4095;
/** Go's bound on a body's framing overhead beyond 16 bytes a chunk and twice its data ("too much non-data"). */
const MAX_EXCESS = 16 * 1024;
/** Go reads at most 16 hex digits; a size JS cannot count exactly could never be relayed whole anyway. */
const MAX_SIZE_DIGITS = 16;

/**
 * Decodes a `Transfer-Encoding: chunked` body as it arrives, in any split, handing out the payload
 * bytes as slices of the input (no copies). Chunk lines are read as Go's chunkedReader reads them
 * (net/http/internal/chunked.go): 1 to 16 hex digits, then an optional `;extension` (any bytes but CR and LF),
 * then optional spaces or tabs, then CRLF; at most 4095 bytes before the CRLF; and the framing may cost at most
 * 16 KiB beyond 16 bytes a chunk and twice its data. Trailer lines are read as Go's textproto reads a header.
 * Nothing is buffered but the trailers: a line is checked byte by byte as it arrives.
 */
export class ChunkedDecoder {
  private state: State = State.Size;
  /** Bytes left in the current chunk's data (State.Data). */
  private remaining = 0;
  private sizeDigits = 0;
  /** Bytes of the current chunk-size line so far, CRLF not counted. */
  private lineBytes = 0;
  /** Go's excess: framing bytes read beyond what the chunks' data allows. */
  private excess = 0;
  /** Characters in the current trailer line (0 = the empty line that ends the body). */
  private trailerLine = 0;
  /** Where the current trailer line starts in trailerBytes. */
  private trailerLineStart = 0;
  /** The trailer section's bytes so far (each line without its CRLF, joined by LF). */
  private trailerBytes: number[] = [];

  /** The trailer fields, names in lower case; a field sent more than once keeps every value (set-cookie) or joins them. */
  trailers(): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = {};
    if (this.trailerBytes.length === 0) return out;
    // A line that starts with a space continues the field before it, joined by one space (Go's obs-fold).
    const fields: [string, string][] = [];
    for (const line of Buffer.from(this.trailerBytes).toString('latin1').split('\n')) {
      const last = fields[fields.length - 1];
      if (line.startsWith(' ') || line.startsWith('\t')) {
        if (last !== undefined) last[1] = `${last[1]} ${line.trim()}`.trim();
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      fields.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
    }
    for (const [name, value] of fields) {
      const prior = out[name];
      if (prior === undefined) out[name] = value;
      else if (Array.isArray(prior)) prior.push(value);
      else out[name] = name === 'set-cookie' ? [prior, value] : `${prior}, ${value}`;
    }
    return out;
  }

  /** True once the last chunk and the trailers have been read. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** One more byte of a chunk-size line: Go refuses a line of 4096 bytes or more before its CRLF. */
  private countLineByte(): void {
    if (++this.lineBytes > MAX_CHUNK_LINE) throw framingError('header line too long');
  }

  /** Go's guard against a body that is mostly framing (one byte a chunk, each with a long extension). */
  private countExcess(): void {
    this.excess = Math.max(0, this.excess + this.lineBytes + 2 - 16 - 2 * this.remaining);
    if (this.excess > MAX_EXCESS) throw framingError('chunked encoding contains too much non-data');
  }

  /** The trailer line read is whole: checked, and the next one (or, after an empty one, the body's end) follows. */
  private endTrailerLine(): void {
    if (this.trailerLine > 0) this.checkTrailerLine();
    this.state = this.trailerLine === 0 ? State.Done : State.Trailer;
    this.trailerLine = 0;
  }

  /**
   * A trailer line as Go's textproto reads a header line: a first line may not start with a space (later ones so
   * started continue the one before), a field needs a colon after a token name, and its value no control byte.
   */
  private checkTrailerLine(): void {
    const bytes = this.trailerBytes;
    const start = this.trailerLineStart;
    const first = bytes[start] as number;
    let i = start;
    if (first === SPACE || first === TAB) {
      if (start === 0) throw framingError('malformed MIME header initial line in trailer');
      // The value goes on: the same bytes allowed as in the line it continues.
      i--;
    } else {
      while (i < bytes.length && bytes[i] !== COLON) {
        if (!isTokenByte(bytes[i] as number)) throw framingError('malformed MIME header line in trailer');
        i++;
      }
      if (i === bytes.length || i === start) throw framingError('malformed MIME header line in trailer');
    }
    for (i++; i < bytes.length; i++) {
      const c = bytes[i] as number;
      if ((c < 0x20 && c !== TAB) || c === 0x7f) throw framingError('malformed MIME header line in trailer');
    }
  }

  /**
   * Feeds `input`; calls `onData` for each payload slice. Returns how many input bytes belong to
   * the body (fewer than input.length only when the body ended inside it), or throws on bad framing.
   */
  push(input: Buffer, onData: (slice: Buffer) => void): number {
    let i = 0;
    const n = input.length;
    while (i < n && this.state !== State.Done) {
      switch (this.state) {
        case State.Size: {
          const c = input[i++] as number;
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.sizeDigits > MAX_SIZE_DIGITS) throw framingError('http chunk length too large');
            this.remaining = this.remaining * 16 + digit;
            if (this.remaining > Number.MAX_SAFE_INTEGER) throw framingError('http chunk length too large');
          } else if (c === LF) {
            throw framingError('chunked line ends with bare LF');
          } else if (this.sizeDigits === 0) {
            throw framingError(c === SEMICOLON || c === CR ? 'empty hex number for chunk length' : 'invalid byte in chunk length');
          } else if (c === CR) {
            this.state = State.SizeLf;
          } else if (c === SEMICOLON) {
            this.state = State.Extension;
          } else if (c === SPACE || c === TAB) {
            // Go trims trailing whitespace before it cuts the extension off: `5 ;x` is refused, `5;x ` is not.
            this.state = State.SizeSpace;
          } else {
            throw framingError('invalid byte in chunk length');
          }
          if (c !== CR) this.countLineByte();
          break;
        }
        case State.SizeSpace: {
          const c = input[i++] as number;
          if (c === CR) this.state = State.SizeLf;
          else if (c === LF) throw framingError('chunked line ends with bare LF');
          else if (c !== SPACE && c !== TAB) throw framingError('invalid byte in chunk length');
          else this.countLineByte();
          break;
        }
        case State.Extension: {
          // Go drops an extension unread, whatever its bytes; only CR and LF end it.
          const c = input[i++] as number;
          if (c === CR) this.state = State.SizeLf;
          else if (c === LF) throw framingError('chunked line ends with bare LF');
          else this.countLineByte();
          break;
        }
        case State.SizeLf: {
          if (input[i++] !== LF) throw framingError('invalid CR in chunked line');
          this.countExcess();
          this.sizeDigits = 0;
          this.lineBytes = 0;
          this.state = this.remaining === 0 ? State.Trailer : State.Data;
          break;
        }
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          onData(input.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (input[i++] !== CR) throw framingError('chunk data not followed by CRLF');
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (input[i++] !== LF) throw framingError('chunk data not followed by CRLF');
          this.state = State.Size;
          break;
        case State.Trailer: {
          const c = input[i++] as number;
          if (c === CR) this.state = State.TrailerLf;
          // textproto reads a line ended by a bare LF as one ended by CRLF.
          else if (c === LF) this.endTrailerLine();
          else {
            if (this.trailerLine === 0) {
              if (this.trailerBytes.length > 0) this.trailerBytes.push(LF);
              this.trailerLineStart = this.trailerBytes.length;
            }
            this.trailerLine++;
            if (this.trailerBytes.length >= TRAILER_LIMIT) throw framingError('trailers too large');
            this.trailerBytes.push(c);
          }
          break;
        }
        case State.TrailerLf: {
          if (input[i++] !== LF) throw framingError('trailer line not ended by CRLF');
          this.endTrailerLine();
          break;
        }
      }
    }
    return i;
  }
}

const enum State { Size, SizeSpace, Extension, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, Done }

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const SEMICOLON = 59;
const COLON = 58;

/** RFC 9110 tchar: the bytes of a field name. */
const TOKEN_BYTES = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_BYTES[c.charCodeAt(0)] = 1;

function isTokenByte(c: number): boolean {
  return c < 128 && TOKEN_BYTES[c] === 1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A body the forwarder cannot relay faithfully: 502 when nothing was sent yet, else the client's connection is cut. */
export function framingError(message: string): UpstreamError {
  return new UpstreamError('bad-response', `upstream response: ${message}`);
}
