import { BlockList, isIP } from 'node:net';
import { AddressVerdicts } from '../http/address-verdicts.js';
import { MatcherArgumentError, type CompiledMatcher, type Predicate } from './matcher-types.js';

/**
 * ClientIP: the peer address only (never X-Forwarded-For). node:net BlockList does the range
 * check and treats IPv4-mapped IPv6 (::ffff:127.0.0.1) as its IPv4 address, as Go does.
 */

/** Adds one `ip` or `ip/prefix` to the list; throws on anything else. */
export function addIpOrCidr(list: BlockList, spec: string): void {
  const slash = spec.indexOf('/');
  const address = slash < 0 ? spec : spec.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new MatcherArgumentError(`ClientIP: invalid IP or CIDR ${JSON.stringify(spec)}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) {
    list.addAddress(address, type);
    return;
  }
  const prefixText = spec.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
    throw new MatcherArgumentError(`ClientIP: invalid CIDR prefix in ${JSON.stringify(spec)}`);
  }
  list.addSubnet(address, prefix, type);
}

export function clientIpPredicate(list: BlockList): Predicate {
  const verdicts = new AddressVerdicts((ip) => ip !== '' && list.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4'));
  return (ctx) => verdicts.get(ctx.clientIp);
}

/** v3 takes one address or range; v2 passes several (OR). */
export function compileClientIp(specs: readonly string[]): CompiledMatcher {
  const list = new BlockList();
  for (const spec of specs) addIpOrCidr(list, spec);
  return { predicate: clientIpPredicate(list) };
}
