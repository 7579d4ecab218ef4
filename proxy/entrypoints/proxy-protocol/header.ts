import { isIPv4, isIPv6 } from 'node:net';

/** The client a PROXY header names; null for LOCAL, `PROXY UNKNOWN`, UNSPEC and UNIX families (the peer stays the client). */
export interface ProxiedSource {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** A whole header: how many bytes it took, and the source it names. */
export interface ProxyHeader {
  readonly length: number;
  readonly source: ProxiedSource | null;
}

/** `none`: the bytes start no header (they belong to TLS or HTTP); `incomplete`: read more; a string in `error`: refuse the connection. */
export type HeaderReading = ProxyHeader | 'none' | 'incomplete' | { readonly error: string };

const V1_SIGNATURE = Buffer.from('PROXY', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** go-proxyproto's limits: a v1 line of at most 107 bytes, a v2 payload of at most 4096. */
export const V1_MAX_LENGTH = 107;
const V2_MAX_PAYLOAD = 4096;
const V2_FIXED = 16;
const LOCAL = 0x20;
const PROXY = 0x21;

/**
 * Reads a PROXY protocol v1 or v2 header at the start of `bytes`, as pires/go-proxyproto (v0.12, Traefik's)
 * does: the same signatures, limits and refusals; v2 TLVs are skipped.
 */
export function readProxyHeader(bytes: Buffer): HeaderReading {
  if (bytes.length === 0) return 'incomplete';
  if (startsLike(bytes, V1_SIGNATURE)) return bytes.length < V1_SIGNATURE.length ? 'incomplete' : readV1(bytes);
  if (startsLike(bytes, V2_SIGNATURE)) return bytes.length < V2_SIGNATURE.length ? 'incomplete' : readV2(bytes);
  return 'none';
}

/** Whether the shorter of the two is a prefix of the other. */
function startsLike(bytes: Buffer, signature: Buffer): boolean {
  const n = Math.min(bytes.length, signature.length);
  return bytes.subarray(0, n).equals(signature.subarray(0, n));
}

function readV1(bytes: Buffer): HeaderReading {
  const end = bytes.indexOf(0x0a);
  if (end === -1 || end >= V1_MAX_LENGTH) return bytes.length >= V1_MAX_LENGTH || end >= V1_MAX_LENGTH ? { error: 'PROXY v1 header too long' } : 'incomplete';
  if (end < 1 || bytes[end - 1] !== 0x0d) return { error: 'PROXY v1 header must end with CRLF' };
  const tokens = bytes.toString('latin1', 0, end - 1).split(' ');
  const length = end + 1;
  const protocol = tokens[1];
  if (protocol === 'UNKNOWN') return { length, source: null };
  if ((protocol !== 'TCP4' && protocol !== 'TCP6') || tokens.length < 6) return { error: 'PROXY v1 header: cannot read address family and protocol' };
  const source = v1Address(protocol, tokens[2] ?? '');
  const destination = v1Address(protocol, tokens[3] ?? '');
  const sourcePort = v1Port(tokens[4] ?? '');
  const destinationPort = v1Port(tokens[5] ?? '');
  if (source === null || destination === null) return { error: 'PROXY v1 header: invalid address' };
  if (sourcePort === null || destinationPort === null) return { error: 'PROXY v1 header: invalid port number' };
  return { length, source: { ...source, port: sourcePort } };
}

/** TCP4 takes IPv4 only; TCP6 takes IPv6 and, as go-proxyproto does for nginx, a plain IPv4 address. */
function v1Address(protocol: 'TCP4' | 'TCP6', text: string): { address: string; family: 'IPv4' | 'IPv6' } | null {
  if (isIPv4(text)) return { address: text, family: 'IPv4' };
  if (protocol === 'TCP6' && isIPv6(text)) return { address: text, family: 'IPv6' };
  return null;
}

/** strconv.Atoi and 0..65535. */
function v1Port(text: string): number | null {
  if (!/^[+-]?\d{1,10}$/.test(text)) return null;
  const port = Number(text);
  return port >= 0 && port <= 65535 ? port : null;
}

function readV2(bytes: Buffer): HeaderReading {
  if (bytes.length < V2_FIXED) return 'incomplete';
  const command = bytes[12];
  if (command !== LOCAL && command !== PROXY) return { error: 'PROXY v2 header: unsupported version and command' };
  const family = bytes[13]! >> 4;
  if (family === 0 && command !== LOCAL) return { error: 'PROXY v2 header: unsupported address family and protocol' };
  const payload = bytes.readUInt16BE(14);
  const needed = family === 1 ? 12 : family === 2 ? 36 : family === 3 ? 216 : family === 0 ? 0 : -1;
  if (needed === -1 || payload < needed || payload > V2_MAX_PAYLOAD) return { error: 'PROXY v2 header: invalid length' };
  const length = V2_FIXED + payload;
  if (bytes.length < length) return 'incomplete';
  if (command === LOCAL) return { length, source: null };
  if (family === 1) return { length, source: { address: bytes.subarray(16, 20).join('.'), port: bytes.readUInt16BE(24), family: 'IPv4' } };
  if (family === 2) return { length, source: { address: ipv6Text(bytes.subarray(16, 32)), port: bytes.readUInt16BE(48), family: 'IPv6' } };
  // AF_UNIX names no IP client: the peer's address stays.
  return { length, source: null };
}

/** Go's net.IP.String for 16 bytes: an IPv4-mapped address as dotted IPv4, else the shortest IPv6 form. */
function ipv6Text(raw: Buffer): string {
  if (raw.subarray(0, 10).every((b) => b === 0) && raw[10] === 0xff && raw[11] === 0xff) return raw.subarray(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  // The URL parser compresses the longest run of zero groups (RFC 5952), as Go does.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
