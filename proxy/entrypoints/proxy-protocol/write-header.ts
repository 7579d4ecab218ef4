import { isIPv4 } from 'node:net';
import { clientAddress } from '../../http/request-target.js';

/** The two ends of the client's connection, as a PROXY header names them. */
export interface ProxiedEnds {
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/**
 * The header pe-edge sends a TCP server before the client's bytes (serversTransport `proxyProtocol`), as
 * go-proxyproto's HeaderProxyFromAddrs writes it: TCP4 when both ends are IPv4 (IPv4-mapped IPv6 included),
 * TCP6 otherwise (an IPv4 end then written IPv4-mapped); an end that is no IP gives `UNKNOWN` (v1) or LOCAL (v2).
 */
export function proxyProtocolHeader(version: 1 | 2, ends: ProxiedEnds): Buffer {
  const source = clientAddress(ends.sourceAddress);
  const destination = clientAddress(ends.destinationAddress);
  const known = source !== '' && destination !== '';
  const v4 = known && isIPv4(source) && isIPv4(destination);
  if (version === 1) {
    if (!known) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    const family = v4 ? 'TCP4' : 'TCP6';
    const [src, dst] = v4 ? [source, destination] : [asIPv6(source), asIPv6(destination)];
    return Buffer.from(`PROXY ${family} ${src} ${dst} ${ends.sourcePort} ${ends.destinationPort}\r\n`, 'latin1');
  }
  if (!known) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const addressBytes = v4 ? 4 : 16;
  const out = Buffer.alloc(16 + 2 * addressBytes + 4);
  V2_SIGNATURE.copy(out, 0);
  out[12] = 0x21; // version 2, PROXY
  out[13] = v4 ? 0x11 : 0x21; // AF_INET or AF_INET6, STREAM
  out.writeUInt16BE(2 * addressBytes + 4, 14);
  ipBytes(source, v4).copy(out, 16);
  ipBytes(destination, v4).copy(out, 16 + addressBytes);
  out.writeUInt16BE(ends.sourcePort, 16 + 2 * addressBytes);
  out.writeUInt16BE(ends.destinationPort, 18 + 2 * addressBytes);
  return out;
}

function asIPv6(address: string): string {
  return isIPv4(address) ? `::ffff:${address}` : address;
}

/** 4 bytes of an IPv4 address, or 16 of an IPv6 one (an IPv4 address mapped). */
function ipBytes(address: string, v4: boolean): Buffer {
  if (v4) return Buffer.from(address.split('.').map(Number));
  if (isIPv4(address)) return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...address.split('.').map(Number)]);
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = groups(tail);
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4 was handled above; others are rare) counts as two groups.
  const expand = (list: string[]): number[] => list.flatMap((g) => (g.includes('.') ? ((b) => [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!])(g.split('.').map(Number)) : [parseInt(g, 16)]));
  const l = expand(left);
  const r = expand(right);
  const all = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}
