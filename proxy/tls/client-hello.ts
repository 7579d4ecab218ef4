// Reads the two things the entrypoint's sniff needs from a TLS ClientHello (RFC 8446 §4.1.2, RFC 5246
// §7.4.1.2) before any TLS library sees the connection: the SNI name (RFC 6066 §3) and the ALPN list
// (RFC 7301 §3.1). node's SNICallback runs before ALPN is known, so a TLS-ALPN-01 challenge (whose answer
// is a different certificate) has to be recognised here, on the raw bytes.

/** What a ClientHello asked for. */
export interface ClientHello {
  /** The first `host_name` of server_name, lower-case; null when the client sent none. */
  readonly serverName: string | null;
  /** ALPN protocol names in the client's order; empty without the extension. */
  readonly alpn: readonly string[];
}

/** The most bytes a sniff waits for: a ClientHello longer than this is handed on unread. */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
const CONTENT_HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const MAX_RECORD = 16384 + 256;
// The sniff parses again on every read: a hello split into more records than a real client ever sends is
// handed on unread, so a hello in 1-byte records cannot make that repeated walk quadratic (a review finding).
export const MAX_CLIENT_HELLO_RECORDS = 16;

/**
 * `data` is what a connection sent so far. 'incomplete': a valid beginning of a ClientHello whose last bytes
 * have not arrived; null: not a ClientHello this reads (malformed, another record type, longer than `limit`).
 * A message spread over several handshake records is reassembled. Never throws.
 */
export function parseClientHello(data: Buffer, limit = MAX_CLIENT_HELLO_BYTES): ClientHello | 'incomplete' | null {
  try {
    const message = handshakeMessage(data, limit);
    if (message === 'incomplete' || message === null) return message;
    return parseBody(message);
  } catch {
    return null;
  }
}

/**
 * The ClientHello's body (after its 4-byte handshake header), once every record carrying it arrived. Walks only
 * record headers until then, so calling it again on each new chunk costs little.
 */
function handshakeMessage(data: Buffer, limit: number): Buffer | 'incomplete' | null {
  const fragments: Buffer[] = [];
  const header: number[] = [];
  let collected = 0;
  let total = -1;
  let offset = 0;
  for (;;) {
    if (data.length - offset < RECORD_HEADER) return 'incomplete';
    if (data[offset] !== CONTENT_HANDSHAKE || data[offset + 1] !== 0x03) return null;
    const length = data.readUInt16BE(offset + 3);
    // Handshake records are never empty (RFC 8446 §5.1) nor longer than 2^14 plus what TLS 1.2 allowed.
    if (length === 0 || length > MAX_RECORD) return null;
    const start = offset + RECORD_HEADER;
    const end = Math.min(start + length, data.length);
    const fragment = data.subarray(start, end);
    if (fragments.length === MAX_CLIENT_HELLO_RECORDS) return null;
    fragments.push(fragment);
    collected += fragment.length;
    for (let i = 0; header.length < HANDSHAKE_HEADER && i < fragment.length; i++) header.push(fragment[i] ?? 0);
    if (total < 0 && header.length === HANDSHAKE_HEADER) {
      if (header[0] !== CLIENT_HELLO) return null;
      total = HANDSHAKE_HEADER + (((header[1] ?? 0) << 16) | ((header[2] ?? 0) << 8) | (header[3] ?? 0));
      if (total > limit) return null;
    }
    if (total >= 0 && collected >= total) {
      const whole = fragments.length === 1 ? fragment : Buffer.concat(fragments, collected);
      return whole.subarray(HANDSHAKE_HEADER, total);
    }
    if (start + length > data.length) return 'incomplete';
    offset = start + length;
  }
}

/** A bounds-checked cursor: every read past the end is a malformed hello. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.at;
  }

  u8(): number {
    if (this.left < 1) throw new Malformed();
    return this.buf[this.at++] ?? 0;
  }

  u16(): number {
    if (this.left < 2) throw new Malformed();
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.left < n) throw new Malformed();
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

class Malformed extends Error {}

function parseBody(body: Buffer): ClientHello | null {
  const r = new Reader(body);
  r.bytes(2 + 32); // legacy_version, random
  const sessionId = r.u8();
  if (sessionId > 32) return null;
  r.bytes(sessionId);
  const ciphers = r.u16();
  if (ciphers < 2 || ciphers % 2 !== 0) return null;
  r.bytes(ciphers);
  const compression = r.u8();
  if (compression < 1) return null;
  r.bytes(compression);
  let serverName: string | null = null;
  let alpn: string[] = [];
  // A TLS 1.2 hello may end here, without extensions.
  if (r.left === 0) return { serverName, alpn };
  const extensions = new Reader(r.bytes(r.u16()));
  if (r.left !== 0) return null;
  while (extensions.left > 0) {
    const type = extensions.u16();
    const data = extensions.bytes(extensions.u16());
    if (type === EXT_SERVER_NAME) serverName = readServerName(data);
    else if (type === EXT_ALPN) alpn = readAlpn(data);
  }
  return { serverName, alpn };
}

/** server_name: a list of (name_type, name); the host_name entry (type 0) is the SNI. */
function readServerName(data: Buffer): string | null {
  const r = new Reader(data);
  const list = new Reader(r.bytes(r.u16()));
  if (r.left !== 0) throw new Malformed();
  let name: string | null = null;
  while (list.left > 0) {
    const type = list.u8();
    const value = list.bytes(list.u16());
    if (type === 0 && name === null) {
      if (value.length === 0) throw new Malformed();
      name = value.toString('latin1').toLowerCase();
    }
  }
  return name;
}

/** application_layer_protocol_negotiation: a non-empty list of non-empty names, each with a 1-byte length. */
function readAlpn(data: Buffer): string[] {
  const r = new Reader(data);
  const list = new Reader(r.bytes(r.u16()));
  if (r.left !== 0 || list.left === 0) throw new Malformed();
  const names: string[] = [];
  while (list.left > 0) {
    const length = list.u8();
    if (length === 0) throw new Malformed();
    names.push(list.bytes(length).toString('latin1'));
  }
  return names;
}
