import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamError } from '../upstream-errors.js';

/** Bytes of trailer fields read at most, as a response head's limit: more is a bad answer (502 or a cut). */
const TRAILER_LIMIT = 64 * 1024;

/**
 * Decodes a `Transfer-Encoding: chunked` body as it arrives, in any split, handing out the payload
 * bytes as slices of the input (no copies). Strict where smuggling hides: sizes are hex only, every
 * line ends in CRLF. Chunk extensions are read and dropped (the forwarder re-frames); trailer fields are kept
 * for the forwarder, which relays those Go relays (as Go's ReverseProxy copies res.Trailer).
 */
export class ChunkedDecoder {
  private state: State = State.Size;
  /** Bytes left in the current chunk's data (State.Data). */
  private remaining = 0;
  private sizeDigits = 0;
  /** Characters in the current trailer line (0 = the empty line that ends the body). */
  private trailerLine = 0;
  /** The trailer section's bytes so far (each line without its CRLF, joined by LF). */
  private trailerBytes: number[] = [];

  /** The trailer fields, names in lower case; a field sent more than once keeps every value (set-cookie) or joins them. */
  trailers(): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = {};
    if (this.trailerBytes.length === 0) return out;
    for (const line of Buffer.from(this.trailerBytes).toString('latin1').split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
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
            if (++this.sizeDigits > 12) throw framingError('chunk size too large');
            this.remaining = this.remaining * 16 + digit;
          } else if (this.sizeDigits === 0) {
            throw framingError('invalid chunk size');
          } else if (c === SEMICOLON || c === SPACE || c === TAB) {
            this.state = State.Extension;
          } else if (c === CR) {
            this.state = State.SizeLf;
          } else {
            throw framingError('invalid chunk size');
          }
          break;
        }
        case State.Extension: {
          const c = input[i++] as number;
          if (c === CR) this.state = State.SizeLf;
          else if (c === LF) throw framingError('bare LF in chunk extension');
          break;
        }
        case State.SizeLf: {
          if (input[i++] !== LF) throw framingError('chunk size line not ended by CRLF');
          this.sizeDigits = 0;
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
          else if (c === LF) throw framingError('bare LF in trailer');
          else {
            if (this.trailerLine === 0 && this.trailerBytes.length > 0) this.trailerBytes.push(LF);
            this.trailerLine++;
            if (this.trailerBytes.length >= TRAILER_LIMIT) throw framingError('trailers too large');
            this.trailerBytes.push(c);
          }
          break;
        }
        case State.TrailerLf: {
          if (input[i++] !== LF) throw framingError('trailer line not ended by CRLF');
          this.state = this.trailerLine === 0 ? State.Done : State.Trailer;
          this.trailerLine = 0;
          break;
        }
      }
    }
    return i;
  }
}

const enum State { Size, Extension, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, Done }

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const SEMICOLON = 59;

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
