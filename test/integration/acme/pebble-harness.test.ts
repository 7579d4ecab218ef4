// The pebble harness itself, driven by acme-client directly: an account, one DNS-01 order whose TXT
// record goes through challtestsrv, and the issued chain checked against the root pebble reports.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { freePort } from '../../support/cli-process.js';
import { type Pebble, pebbleInstalled, startPebble, trustCaForOrigin } from '../../support/pebble.js';

const SKIP = pebbleInstalled() ? false : 'pebble is not installed (apt-get install pebble; .ci/run does it)';

/** A client that polls fast: acme-client's default backoff starts at 5 s. */
async function client(pebble: Pebble, eab?: { kid: string; hmacKey: string }): Promise<acme.Client> {
  return new acme.Client({
    directoryUrl: pebble.directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    backoffMin: 50,
    backoffMax: 500,
    ...(eab !== undefined ? { externalAccountBinding: eab } : {}),
  });
}

/** One DNS-01 order for `domain`, the TXT record set through challtestsrv; returns the PEM chain. */
async function issueWithDns01(pebble: Pebble, acmeClient: acme.Client, domain: string): Promise<string> {
  const order = await acmeClient.createOrder({ identifiers: [{ type: 'dns', value: domain }] });
  for (const authz of await acmeClient.getAuthorizations(order)) {
    const challenge = authz.challenges.find((c) => c.type === 'dns-01');
    assert.ok(challenge, 'pebble offers dns-01');
    // For dns-01, acme-client answers the TXT value (base64url sha256 of the key authorization).
    const txt = await acmeClient.getChallengeKeyAuthorization(challenge);
    await pebble.setTxt(`_acme-challenge.${authz.identifier.value}`, txt);
    try {
      await acmeClient.completeChallenge(challenge);
      await acmeClient.waitForValidStatus(challenge);
    } finally {
      await pebble.clearTxt(`_acme-challenge.${authz.identifier.value}`);
    }
  }
  const [, csr] = await acme.crypto.createCsr({ commonName: domain, altNames: [domain] });
  const finalized = await acmeClient.finalizeOrder(order, csr);
  return acmeClient.getCertificate(finalized);
}

function chainOf(pem: string): X509Certificate[] {
  return acme.crypto.splitPemChain(pem).map((c) => new X509Certificate(c));
}

describe('pebble harness (real ACME server on loopback)', { skip: SKIP }, () => {
  let pebble: Pebble;
  let untrust: () => void;

  before(async () => {
    pebble = await startPebble({ httpPort: await freePort(), tlsPort: await freePort(), certificateValidityPeriod: 3600 });
    untrust = trustCaForOrigin(acme.axios, new URL(pebble.directoryUrl).origin, pebble.caPem);
  });
  after(async () => {
    untrust?.();
    await pebble?.close();
  });

  it('issues a certificate for a DNS-01 order that chains to rootPem()', async () => {
    const acmeClient = await client(pebble);
    const account = await acmeClient.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:test@example.com'] });
    assert.equal(account.status, 'valid');

    const [leaf, intermediate, ...rest] = chainOf(await issueWithDns01(pebble, acmeClient, 'test.example'));
    assert.ok(leaf && intermediate, 'leaf and intermediate');
    assert.equal(rest.length, 0);
    const root = new X509Certificate(await pebble.rootPem());
    assert.equal(leaf.checkHost('test.example'), 'test.example');
    assert.ok(leaf.verify(intermediate.publicKey), 'leaf signed by the intermediate');
    assert.ok(intermediate.verify(root.publicKey), 'intermediate signed by the root');
    assert.equal(intermediate.issuer, root.subject);
    // certificateValidityPeriod reached pebble (its default would be 5 years).
    const lifetime = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom);
    assert.ok(Math.abs(lifetime - 3600_000) <= 1000, `lifetime ${lifetime} ms`);
  });

  it('refuses a DNS-01 order whose TXT record is missing', async () => {
    const acmeClient = await client(pebble);
    await acmeClient.createAccount({ termsOfServiceAgreed: true });
    const order = await acmeClient.createOrder({ identifiers: [{ type: 'dns', value: 'missing.example' }] });
    const [authz] = await acmeClient.getAuthorizations(order);
    const challenge = authz?.challenges.find((c) => c.type === 'dns-01');
    assert.ok(challenge);
    await acmeClient.completeChallenge(challenge);
    await assert.rejects(acmeClient.waitForValidStatus(challenge), /No TXT records found/);
  });

  it('stop() and start() restart pebble with a new root, challtestsrv untouched', async () => {
    const before = await pebble.rootPem();
    await pebble.setTxt('_acme-challenge.kept.example', 'kept');
    await pebble.stop();
    await assert.rejects(pebble.rootPem());
    await pebble.start();
    assert.notEqual(await pebble.rootPem(), before);
    const acmeClient = await client(pebble);
    await acmeClient.createAccount({ termsOfServiceAgreed: true });
    const [leaf, intermediate] = chainOf(await issueWithDns01(pebble, acmeClient, 'after-restart.example'));
    assert.ok(leaf && intermediate);
    assert.ok(intermediate.verify(new X509Certificate(await pebble.rootPem()).publicKey));
    await pebble.clearTxt('_acme-challenge.kept.example');
  });

  it('without trustCaForOrigin acme-client cannot reach pebble (the trust is per origin)', async () => {
    // acme-client retries a request that got no answer 5 times (5 s, 10 s, ... 75 s in all), then fails
    // with a TypeError that has lost the TLS error (publishlab/node-acme-client#101): no retries here.
    const settings = (acme.axios.defaults as { acmeSettings?: { retryMaxAttempts: number } }).acmeSettings;
    assert.ok(settings, 'acme-client keeps its retry settings on acme.axios.defaults.acmeSettings');
    const attempts = settings.retryMaxAttempts;
    settings.retryMaxAttempts = 0;
    untrust();
    try {
      await assert.rejects((await client(pebble)).createAccount({ termsOfServiceAgreed: true }));
    } finally {
      settings.retryMaxAttempts = attempts;
      untrust = trustCaForOrigin(acme.axios, new URL(pebble.directoryUrl).origin, pebble.caPem);
    }
    await (await client(pebble)).createAccount({ termsOfServiceAgreed: true });
  });
});

describe('pebble harness with external account binding', { skip: SKIP }, () => {
  let pebble: Pebble;
  let untrust: () => void;

  before(async () => {
    pebble = await startPebble({ httpPort: await freePort(), tlsPort: await freePort(), eabRequired: true });
    untrust = trustCaForOrigin(acme.axios, new URL(pebble.directoryUrl).origin, pebble.caPem);
  });
  after(async () => {
    untrust?.();
    await pebble?.close();
  });

  it('refuses an account without EAB and accepts one with the returned key', async () => {
    assert.ok(pebble.eab);
    await assert.rejects((await client(pebble)).createAccount({ termsOfServiceAgreed: true }), /externalAccountBinding|external account/i);
    const account = await (await client(pebble, pebble.eab)).createAccount({ termsOfServiceAgreed: true });
    assert.equal(account.status, 'valid');
  });
});
