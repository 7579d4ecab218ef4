import { BlockList, isIP } from 'node:net';
import { hostOrWhole } from '../../http/host-port.js';
import { trimSpace } from '../../../labels-spec/schema/go-trim-space.js';
import { AddressVerdicts } from '../../http/address-verdicts.js';

/**
 * Traefik's ip.Checker: a list of IPs and CIDRs (v4 and v6) an address is tested against.
 * IPv4-mapped IPv6 addresses match their IPv4 form both ways, as Go's net.IP comparisons do.
 */
export class IpChecker {
  private readonly list = new BlockList();
  private readonly verdicts = new AddressVerdicts((address) => this.check(address));

  /** Throws naming the first entry that is neither an IP nor a CIDR. */
  constructor(entries: readonly string[], option: string) {
    if (entries.length === 0) throw new Error(`${option}: no IP or CIDR given`);
    for (const raw of entries) {
      const entry = trimSpace(raw);
      const slash = entry.indexOf('/');
      const address = slash === -1 ? entry : entry.slice(0, slash);
      const family = isIP(address);
      const bits = slash === -1 ? null : entry.slice(slash + 1);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || (bits !== null && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
        throw new Error(`${option}: "${raw}" is neither an IP address nor a CIDR`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === null) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
  }

  /** Go's Checker.Contains: false for '' or anything that is not an IP address. */
  contains(address: string): boolean {
    return this.verdicts.get(address);
  }

  private check(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    // Go compares addresses without their IPv6 zone (fe80::1%eth0).
    const zone = family === 6 ? address.indexOf('%') : -1;
    return this.list.check(zone === -1 ? address : address.slice(0, zone), family === 6 ? 'ipv6' : 'ipv4');
  }

  /** Go's Checker.IsAuthorized: a `host:port` (or `[v6]:port`) is reduced to its host first. */
  authorizes(address: string): boolean {
    return this.contains(hostOrWhole(address));
  }
}

