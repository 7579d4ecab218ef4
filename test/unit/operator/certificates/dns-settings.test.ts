// DNS-01 pieces that need no server: the challenge record, lego's variable reading, provider choice.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDnsProvider, dnsChallengeRecord, SUPPORTED_DNS_PROVIDERS } from '../../../../operator/certificates/dns/index.js';
import { envSecondsMs, envValue } from '../../../../operator/certificates/dns/lego-env.js';
import { startBackend } from '../../../support/backends.js';

describe('dnsChallengeRecord', () => {
  it('names _acme-challenge.<domain>. and hashes the key authorization (RFC 8555 §8.4)', () => {
    const record = dnsChallengeRecord('www.example.com', 'tok', 'tok.thumb');
    assert.deepEqual(record, {
      domain: 'www.example.com',
      fqdn: '_acme-challenge.www.example.com.',
      value: createHash('sha256').update('tok.thumb').digest('base64url'),
      token: 'tok',
      keyAuthorization: 'tok.thumb',
    });
    assert.doesNotMatch(record.value, /[=+/]/);
    assert.equal(record.value.length, 43);
  });

  it('drops the wildcard label: *.example.com is validated at _acme-challenge.example.com.', () => {
    const record = dnsChallengeRecord('*.example.com', 't', 't.k');
    assert.equal(record.domain, 'example.com');
    assert.equal(record.fqdn, '_acme-challenge.example.com.');
  });
});

describe("lego's environment reading", () => {
  it('reads NAME, else the file named by NAME_FILE without its final newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pe-lego-env-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, 's3cret\n');
      assert.equal(envValue({ X: 'direct', X_FILE: file }, 'X'), 'direct');
      assert.equal(envValue({ X_FILE: file }, 'X'), 's3cret');
      assert.equal(envValue({ X_FILE: join(dir, 'absent') }, 'X'), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes durations in whole seconds; unparsable or negative means the default', () => {
    assert.equal(envSecondsMs({ T: '90' }, 'T', 60), 90_000);
    assert.equal(envSecondsMs({ T: '1m' }, 'T', 60), 60_000);
    assert.equal(envSecondsMs({ T: '-5' }, 'T', 60), 60_000);
    assert.equal(envSecondsMs({}, 'T', 60), 60_000);
  });
});

describe('createDnsProvider', () => {
  it('refuses an unknown provider, listing the supported ones', () => {
    assert.deepEqual(SUPPORTED_DNS_PROVIDERS, ['cloudflare', 'exec', 'httpreq']);
    assert.throws(() => createDnsProvider('route53', {}), {
      message: 'unsupported DNS provider "route53" (supported: cloudflare, exec, httpreq)',
    });
    assert.throws(() => createDnsProvider('toString', {}), /unsupported DNS provider "toString"/);
  });

  it("names missing variables with lego's messages", () => {
    assert.throws(() => createDnsProvider('exec', {}), { message: 'exec: some credentials information are missing: EXEC_PATH' });
    assert.throws(() => createDnsProvider('httpreq', {}), { message: 'httpreq: some credentials information are missing: HTTPREQ_ENDPOINT' });
    assert.throws(() => createDnsProvider('cloudflare', {}), {
      message: 'cloudflare: some credentials information are missing: CLOUDFLARE_EMAIL,CLOUDFLARE_API_KEY or '
        + 'some credentials information are missing: CLOUDFLARE_DNS_API_TOKEN,CLOUDFLARE_ZONE_API_TOKEN',
    });
    assert.throws(() => createDnsProvider('cloudflare', { CF_API_EMAIL: 'a@b.c' }), {
      message: 'cloudflare: some credentials information are missing: CLOUDFLARE_API_KEY or '
        + 'some credentials information are missing: CLOUDFLARE_DNS_API_TOKEN,CLOUDFLARE_ZONE_API_TOKEN',
    });
  });

  it("takes each provider's propagation timeout and polling interval from its variables, with lego's defaults", () => {
    const exec = createDnsProvider('exec', { EXEC_PATH: '/bin/true' });
    assert.deepEqual(exec.propagation, { timeoutMs: 60_000, intervalMs: 2_000 });
    assert.equal(exec.sequenceIntervalMs, 60_000);
    const tuned = createDnsProvider('exec', { EXEC_PATH: '/bin/true', EXEC_PROPAGATION_TIMEOUT: '10', EXEC_POLLING_INTERVAL: '1', EXEC_SEQUENCE_INTERVAL: '5' });
    assert.deepEqual(tuned.propagation, { timeoutMs: 10_000, intervalMs: 1_000 });
    assert.equal(tuned.sequenceIntervalMs, 5_000);
    const httpreq = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: 'http://127.0.0.1:1', HTTPREQ_PROPAGATION_TIMEOUT: '30', HTTPREQ_POLLING_INTERVAL: '3' });
    assert.deepEqual(httpreq.propagation, { timeoutMs: 30_000, intervalMs: 3_000 });
    const cloudflare = createDnsProvider('cloudflare', { CF_DNS_API_TOKEN: 't' });
    assert.deepEqual(cloudflare.propagation, { timeoutMs: 120_000, intervalMs: 2_000 });
    const tunedCf = createDnsProvider('cloudflare', { CF_DNS_API_TOKEN: 't', CLOUDFLARE_PROPAGATION_TIMEOUT: '300', CLOUDFLARE_POLLING_INTERVAL: '10' });
    assert.deepEqual(tunedCf.propagation, { timeoutMs: 300_000, intervalMs: 10_000 });
  });

  it('an HTTP timeout or polling interval past 24.8 days waits as long as a timer can (node ran it after 1 ms, so every call to the API failed at once)', async () => {
    const api = await startBackend('httpreq', (_req, res) => setTimeout(() => res.end('{}'), 30));
    try {
      const provider = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: api.url, HTTPREQ_HTTP_TIMEOUT: '3000000', HTTPREQ_POLLING_INTERVAL: '3000000' });
      await provider.present(dnsChallengeRecord('example.com', 'token', 'token.key'));
      assert.equal(api.seen.length, 1);
      assert.equal(provider.propagation.intervalMs, 2 ** 31 - 1);
    } finally {
      await api.close();
    }
  });

  it('refuses a Cloudflare TTL below 120, as lego does, and a relative httpreq endpoint', () => {
    assert.throws(() => createDnsProvider('cloudflare', { CF_DNS_API_TOKEN: 't', CLOUDFLARE_TTL: '60' }), {
      message: 'cloudflare: invalid TTL, TTL (60) must be greater than 120',
    });
    assert.throws(() => createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: 'dns-api/' }), /httpreq: invalid HTTPREQ_ENDPOINT/);
  });
});
