// The challenges a resolver answers (httpChallenge, tlsChallenge, dnsChallenge), as acme-order's solvers.
import { setTimeout as sleep } from 'node:timers/promises';
import acme from 'acme-client';
import type { AcmeConfig } from '../../labels-spec/static/certificates-resolvers.js';
import type { AcmeChallengeStore } from '../../proxy/tls/acme-challenges.js';
import type { ChallengeSolver, ChallengeType } from './acme-order.js';
import { createDnsProvider, dnsChallengeRecord, waitForPropagation } from './dns/index.js';

/** Throws when the DNS provider cannot be created (unknown name, missing credentials): the resolver is then skipped. */
export function challengeSolvers(resolver: string, config: AcmeConfig, store: AcmeChallengeStore, env: NodeJS.ProcessEnv): Map<ChallengeType, ChallengeSolver> {
  const solvers = new Map<ChallengeType, ChallengeSolver>();
  // httpChallenge.delay / tlsChallenge.delay (lego's SetDelay): the answer is in place that long before the CA is
  // asked to validate, for setups where it takes time to reach every replica or load balancer in front.
  if (config.httpChallenge !== undefined) {
    const delayMs = config.httpChallenge.delay ?? 0;
    solvers.set('http-01', {
      present: async (domain, token, keyAuthorization) => {
        store.setHttp01(token, domain, keyAuthorization);
        if (delayMs > 0) await sleep(delayMs);
      },
      cleanUp: async (domain, token) => store.deleteHttp01(token, domain),
    });
  }
  if (config.tlsChallenge !== undefined) {
    const delayMs = config.tlsChallenge.delay ?? 0;
    solvers.set('tls-alpn-01', {
      present: async (domain, _token, keyAuthorization, authz) => {
        const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
        store.setTlsAlpn01(domain, cert.toString(), key.toString());
        if (delayMs > 0) await sleep(delayMs);
      },
      cleanUp: async (domain) => store.deleteTlsAlpn01(domain),
    });
  }
  const dns = config.dnsChallenge;
  if (dns !== undefined) {
    if (dns.provider === '') throw new Error(`certificatesResolvers.${resolver}.acme.dnsChallenge.provider is required`);
    const provider = createDnsProvider(dns.provider, env);
    const delayMs = dns.propagation?.delayBeforeChecks ?? dns.delayBeforeCheck;
    const skipCheck = dns.propagation?.disableChecks ?? dns.disablePropagationCheck;
    solvers.set('dns-01', {
      present: async (domain, token, keyAuthorization) => {
        const record = dnsChallengeRecord(domain, token, keyAuthorization);
        await provider.present(record);
        if (delayMs > 0) await sleep(delayMs);
        if (!skipCheck) {
          await waitForPropagation(record.fqdn, record.value, { resolvers: dns.resolvers, timeoutMs: provider.propagation.timeoutMs, intervalMs: provider.propagation.intervalMs });
        }
      },
      cleanUp: (domain, token, keyAuthorization) => provider.cleanUp(dnsChallengeRecord(domain, token, keyAuthorization)),
    });
  }
  return solvers;
}
