import type { HostOptionsByEntryPoint } from '../tls/tls-store.js';
import type { RuntimeStatus } from './status.js';

/** Traefik's router error for a host its routers bind to several TLS options on one entrypoint. */
function conflictingOptionsMessage(host: string): string {
  return `found different TLS options for routers on the same host ${host}, so using the default TLS options instead`;
}

/**
 * Which TLS option each host's TLS routers ask for, per entrypoint, as Traefik's tcp router manager builds its
 * tlsOptionsForHost for each entrypoint: a host bound to two options by routers of one entrypoint gets `default` there
 * (its routers are told), whatever other entrypoints bind it to.
 */
export class HostTlsOptions {
  // entrypoint → host → option → routers asking for it there.
  private readonly claims = new Map<string, Map<string, Map<string, string[]>>>();
  private readonly conflicts = new Map<string, Set<string>>();

  /** `router`, on `entryPoint`, wants `option` for `hosts` (its rule's Host values, lower-case). */
  claim(entryPoint: string, router: string, option: string, hosts: readonly string[]): void {
    let byHost = this.claims.get(entryPoint);
    if (byHost === undefined) this.claims.set(entryPoint, (byHost = new Map()));
    for (const host of hosts) {
      let byOption = byHost.get(host);
      if (byOption === undefined) byHost.set(host, (byOption = new Map()));
      const routers = byOption.get(option);
      if (routers === undefined) byOption.set(option, [router]);
      else if (!routers.includes(router)) routers.push(router);
    }
  }

  /**
   * Once every router has claimed: host → option per entrypoint. A conflicting host maps to `default` explicitly, so
   * a `*.parent` entry does not take it over; each router involved gets Traefik's warning.
   */
  resolve(status: RuntimeStatus): HostOptionsByEntryPoint {
    const resolved = new Map<string, Map<string, string>>();
    for (const [entryPoint, byHost] of this.claims) {
      const hosts = new Map<string, string>();
      for (const [host, byOption] of byHost) {
        if (byOption.size === 1) {
          for (const option of byOption.keys()) hosts.set(host, option);
          continue;
        }
        hosts.set(host, 'default');
        let conflicting = this.conflicts.get(entryPoint);
        if (conflicting === undefined) this.conflicts.set(entryPoint, (conflicting = new Set()));
        conflicting.add(host);
        for (const routers of byOption.values()) for (const router of routers) status.addError('router', router, conflictingOptionsMessage(host), false);
      }
      resolved.set(entryPoint, hosts);
    }
    return resolved;
  }

  /**
   * The option a router's route on `entryPoint` is under, after `resolve`: `default` when its rule names no host or a
   * host other options claim on that entrypoint too (Traefik's snicheck then compares against `default`).
   */
  routeOption(entryPoint: string, option: string, hosts: readonly string[]): string {
    if (hosts.length === 0) return 'default';
    const conflicting = this.conflicts.get(entryPoint);
    return conflicting !== undefined && hosts.some((host) => conflicting.has(host)) ? 'default' : option;
  }
}
