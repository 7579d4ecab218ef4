import { createCloudflareProvider } from './cloudflare-provider.js';
import type { DnsProvider } from './dns-provider.js';
import { createExecProvider } from './exec-provider.js';
import { createHttpreqProvider } from './httpreq-provider.js';

/** lego's provider codes (Traefik's `dnsChallenge.provider`) implemented so far. */
const PROVIDERS: Readonly<Record<string, (env: NodeJS.ProcessEnv) => DnsProvider>> = {
  cloudflare: createCloudflareProvider,
  exec: createExecProvider,
  httpreq: createHttpreqProvider,
};

export const SUPPORTED_DNS_PROVIDERS: readonly string[] = Object.keys(PROVIDERS).sort();

/**
 * The provider `name`, configured from `env` (process.env in production) with lego's variable names.
 * Throws, as lego does, an Error naming each missing variable, e.g.
 * `exec: some credentials information are missing: EXEC_PATH`.
 */
export function createDnsProvider(name: string, env: NodeJS.ProcessEnv): DnsProvider {
  const create = Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name] : undefined;
  if (create === undefined) {
    throw new Error(`unsupported DNS provider ${JSON.stringify(name)} (supported: ${SUPPORTED_DNS_PROVIDERS.join(', ')})`);
  }
  return create(env);
}
