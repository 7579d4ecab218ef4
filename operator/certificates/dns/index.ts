// DNS-01 challenge solving with lego's providers, variables and propagation check.
export { type DnsChallengeRecord, dnsChallengeRecord } from './challenge-record.js';
export { createDnsProvider, SUPPORTED_DNS_PROVIDERS } from './create-dns-provider.js';
export type { DnsProvider } from './dns-provider.js';
export { type PropagationOptions, waitForPropagation } from './propagation.js';
