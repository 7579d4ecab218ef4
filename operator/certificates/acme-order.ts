// One ACME order with acme-client: CSR from the certificate key, each authorization solved by a configured challenge.
import { createPrivateKey } from 'node:crypto';
import acme from 'acme-client';
import type * as rfc8555 from 'acme-client/types/rfc8555.js';

export type ChallengeType = 'http-01' | 'tls-alpn-01' | 'dns-01';

/** Puts a challenge's answer where the CA will look, and takes it away afterwards. */
export interface ChallengeSolver {
  present(domain: string, token: string, keyAuthorization: string, authz: acme.Authorization): Promise<void>;
  cleanUp(domain: string, token: string, keyAuthorization: string): Promise<void>;
}

export interface OrderInput {
  client: acme.Client;
  email: string;
  /** Every name of the certificate; the first is its subject. */
  domains: readonly string[];
  keyPem: string;
  solvers: ReadonlyMap<ChallengeType, ChallengeSolver>;
  preferredChain: string;
}

// The order in which Let's Encrypt offers challenges, which is how lego picks among configured ones.
const CA_ORDER: readonly ChallengeType[] = ['http-01', 'dns-01', 'tls-alpn-01'];

/** Orders and downloads a certificate; resolves to the PEM bundle, leaf first. Throws the CA's error. */
export async function orderCertificate(input: OrderInput): Promise<string> {
  const [main, ...sans] = input.domains;
  if (main === undefined) throw new Error('no domain to order');
  // acme-client's CSR code reads PKCS#8 only; the stored key keeps lego's encoding (PKCS#1 / SEC1).
  const pkcs8 = createPrivateKey(input.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
  const [, csr] = await acme.crypto.createCsr({ commonName: main, altNames: [main, ...sans] }, pkcs8);
  const priority = CA_ORDER.filter((type) => input.solvers.has(type));
  const solverOf = (type: string): ChallengeSolver => {
    const solver = input.solvers.get(type as ChallengeType);
    if (solver === undefined) throw new Error(`the CA offers no challenge this resolver can answer (offered ${type}; configured ${priority.join(', ') || 'none'})`);
    return solver;
  };
  // lego cleans up every challenge once the whole order is over (prober.go's deferred cleanUp): a wildcard and its apex
  // share one TXT name, and a provider that clears the name (not just its value) would otherwise take the second
  // authorization's record away while the CA or the propagation check still looks for it.
  const cleanUps: (() => Promise<void>)[] = [];
  try {
    return await input.client.auto({
      csr,
      email: input.email === '' ? undefined : input.email,
      termsOfServiceAgreed: true,
      challengePriority: priority,
      // The CA validates for real; a self-check from inside the edge's own network says little (lego skips it too for DNS when asked).
      skipChallengeVerification: true,
      preferredChain: input.preferredChain === '' ? undefined : input.preferredChain,
      challengeCreateFn: async (authz, challenge, keyAuthorization) =>
        solverOf(challenge.type).present(authz.identifier.value, challenge.token, await wholeKeyAuthorization(input.client, challenge, keyAuthorization), authz),
      challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
        const whole = await wholeKeyAuthorization(input.client, challenge, keyAuthorization);
        cleanUps.push(() => solverOf(challenge.type).cleanUp(authz.identifier.value, challenge.token, whole));
      },
    });
  } finally {
    // As acme-client's own removal, a failed clean-up does not fail the order.
    for (const cleanUp of cleanUps) await cleanUp().catch(() => undefined);
  }
}

/**
 * For dns-01 acme-client hands over the TXT value (the key authorization's digest); solvers get the key authorization
 * itself (`token.thumbprint`, what lego's RAW modes send), which acme-client computes for every other type.
 */
async function wholeKeyAuthorization(client: acme.Client, challenge: rfc8555.Challenge, given: string): Promise<string> {
  if (challenge.type !== 'dns-01') return given;
  return client.getChallengeKeyAuthorization({ type: 'http-01', url: challenge.url, status: challenge.status, token: challenge.token });
}
