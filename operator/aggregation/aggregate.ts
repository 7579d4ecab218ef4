import { emptyDynamicConfig, type DynamicConfig } from '../../labels-spec/index.js';

/**
 * Merges the latest configuration of every provider into one, naming each object `name@provider`
 * as Traefik does. References stay as written: the proxy resolves a bare reference in the provider
 * of the object that holds it. TLS option and store `default` are global, not namespaced.
 */
export function aggregate(fragments: ReadonlyMap<string, DynamicConfig>): { config: DynamicConfig; errors: string[] } {
  const config: DynamicConfig = emptyDynamicConfig();
  const errors: string[] = [];
  const defaultOptionOwners: string[] = [];
  for (const [provider, fragment] of fragments) {
    qualifyInto(config.http.routers, fragment.http.routers, provider);
    qualifyInto(config.http.services, fragment.http.services, provider);
    qualifyInto(config.http.middlewares, fragment.http.middlewares, provider);
    qualifyInto(config.http.serversTransports, fragment.http.serversTransports, provider);
    // UDP routers and services (proxy/udp), namespaced like HTTP ones.
    qualifyInto(config.udp.routers, fragment.udp.routers, provider);
    qualifyInto(config.udp.services, fragment.udp.services, provider);
    config.tls.certificates.push(...fragment.tls.certificates);
    for (const [name, option] of Object.entries(fragment.tls.options)) {
      if (name === 'default') defaultOptionOwners.push(provider);
      config.tls.options[name === 'default' ? name : `${name}@${provider}`] = option;
    }
    for (const [name, store] of Object.entries(fragment.tls.stores)) {
      if (name === 'default' && config.tls.stores.default !== undefined) {
        errors.push(`TLS store "default" is defined by more than one provider; ignored`);
        delete config.tls.stores.default;
        continue;
      }
      config.tls.stores[name] = store;
    }
  }
  if (defaultOptionOwners.length > 1) {
    errors.push(`TLS option "default" is defined by several providers (${defaultOptionOwners.join(', ')}); built-in defaults used`);
    delete config.tls.options.default;
  }
  return { config, errors };
}

function qualifyInto<T>(target: Record<string, T>, source: Readonly<Record<string, T>>, provider: string): void {
  for (const [name, value] of Object.entries(source)) target[`${name}@${provider}`] = value;
}
