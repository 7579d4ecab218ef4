import { isIPv6 } from 'node:net';
import type { RequestContext } from '../../http/request-context.js';
import { IpChecker } from './ip-checker.js';
import { ipv6Text } from '../../http/ipv6-text.js';

/** `ipStrategy` as labels-spec outputs it. */
export interface IpStrategyOptions {
  depth?: number | undefined;
  excludedIPs?: readonly string[] | undefined;
  ipv6Subnet?: number | undefined;
}

/** Picks the client IP of a request; '' when the strategy finds none (Traefik then rejects or shares one bucket). */
export type ClientIpStrategy = (ctx: RequestContext) => string;

/**
 * Traefik's IPStrategy.Get: depth > 0 reads X-Forwarded-For from the right (depth wins over excludedIPs),
 * excludedIPs takes the rightmost entry not excluded, otherwise the peer address. ipv6Subnet masks
 * IPv6 results of the depth and peer strategies (not of excludedIPs, as in Traefik).
 */
export function createClientIpStrategy(options: IpStrategyOptions | undefined, option: string): ClientIpStrategy {
  const depth = options?.depth ?? 0;
  const subnet = options?.ipv6Subnet;
  const mask = subnet === undefined ? null : (ip: string): string => ipv6SubnetAddress(ip, subnet);
  if (depth > 0) {
    return (ctx) => {
      const xff = forwardedFor(ctx);
      // strings.Split never returns an empty list: '' is one empty element.
      let end = xff.length;
      for (let n = 1; n < depth; n++) {
        end = xff.lastIndexOf(',', end - 1);
        if (end === -1) return '';
      }
      const ip = xff.slice(xff.lastIndexOf(',', end - 1) + 1, end).trim();
      return mask === null ? ip : mask(ip);
    };
  }
  const excluded = options?.excludedIPs ?? [];
  if (excluded.length > 0) {
    const checker = new IpChecker(excluded, `${option}.excludedIPs`);
    return (ctx) => {
      const parts = forwardedFor(ctx).split(',');
      for (let i = parts.length - 1; i >= 0; i--) {
        const ip = (parts[i] as string).trim();
        if (ip !== '' && !checker.contains(ip)) return ip;
      }
      return '';
    };
  }
  return mask === null ? (ctx) => ctx.clientIp : (ctx) => mask(ctx.clientIp);
}

/**
 * X-Forwarded-For as Traefik's middlewares see it: an untrusted peer's copy was already removed at the
 * entrypoint, but a value set by an earlier middleware counts; repeated lines are joined with ', '.
 */
function forwardedFor(ctx: RequestContext): string {
  if (ctx.trustForwarded) {
    const value = ctx.req.headers['x-forwarded-for'];
    return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : value;
  }
  const set = ctx.ownHeaders;
  if (set === null) return '';
  let joined = '';
  for (let i = 0; i < set.length; i += 2) {
    if ((set[i] as string).toLowerCase() !== 'x-forwarded-for') continue;
    joined = joined === '' ? (set[i + 1] as string) : `${joined}, ${set[i + 1] as string}`;
  }
  return joined;
}

/** The first address of the IPv6 /bits network holding ip; anything else (IPv4, not an IP) unchanged. */
export function ipv6SubnetAddress(ip: string, bits: number): string {
  if (!isIPv6(ip)) return ip;
  const groups = expandIpv6(ip);
  if (groups === null) return ip;
  for (let g = 0; g < 8; g++) {
    const keep = Math.min(16, Math.max(0, bits - g * 16));
    groups[g] = (groups[g] as number) & (keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff);
  }
  return compressIpv6(groups);
}

/** Eight 16-bit groups of an IPv6 address (zone dropped, embedded IPv4 converted), null if malformed. */
function expandIpv6(ip: string): number[] | null {
  let text = ip;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const b = tail.split('.').map(Number);
    const high = (((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16);
    const low = (((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const left = parse(halves[0] ?? '');
  const right = halves.length > 1 ? parse(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

/** RFC 5952 text, as Go's netip.Addr.String prints IPv6 (longest run of 2+ zero groups becomes '::'). */
function compressIpv6(groups: readonly number[]): string {
  // Go prints IPv4-mapped addresses with their IPv4 tail.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const a = groups[6] ?? 0;
    const b = groups[7] ?? 0;
    return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  return ipv6Text(groups);
}
