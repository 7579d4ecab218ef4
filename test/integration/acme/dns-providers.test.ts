// lego-compatible DNS-01 providers against real counterparts: a script for exec, an HTTP server for
// httpreq, a strict Cloudflare API stand-in, and pebble-challtestsrv's DNS for the propagation check
// (plus one whole pebble order solved through the exec provider).
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import {
  createDnsProvider,
  dnsChallengeRecord,
  type DnsChallengeRecord,
  waitForPropagation,
} from '../../../operator/certificates/dns/index.js';
import { type Backend, startBackend } from '../../support/backends.js';
import { freePort } from '../../support/cli-process.js';
import { type CloudflareStandin, startCloudflareStandin } from '../../support/cloudflare-standin.js';
import { type Pebble, pebbleInstalled, startPebble, trustCaForOrigin } from '../../support/pebble.js';

const PEBBLE_SKIP = pebbleInstalled() ? false : 'pebble is not installed (apt-get install pebble; .ci/run does it)';

// A token starting with '-' shows why lego's RAW mode passes `--` before the positional arguments.
const RECORD: DnsChallengeRecord = dnsChallengeRecord('*.app.example.com', '-tok_EN', '-tok_EN.thumbprint');

describe('exec provider', () => {
  let dir: string;
  let log: string;
  let script: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pe-dns-exec-'));
    log = join(dir, 'calls.log');
    script = join(dir, 'update-dns.sh');
    // One line per call: the arguments, separated by '|'; FAIL_WITH makes it fail after some output.
    writeFileSync(script, [
      '#!/bin/sh',
      `out=${JSON.stringify(log)}`,
      '(IFS="|"; printf "%s\\n" "$*") >> "$out"',
      'if [ -n "$FAIL_WITH" ]; then echo "cannot reach DNS API" >&2; exit "$FAIL_WITH"; fi',
      '',
    ].join('\n'));
    chmodSync(script, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const calls = (): string[] => readFileSync(log, 'utf8').trim().split('\n');

  it('runs `<EXEC_PATH> present|cleanup <fqdn> <value>` by default', async () => {
    writeFileSync(log, '');
    const provider = createDnsProvider('exec', { PATH: process.env.PATH, EXEC_PATH: script });
    assert.equal(provider.name, 'exec');
    await provider.present(RECORD);
    await provider.cleanUp(RECORD);
    assert.deepEqual(calls(), [
      `present|_acme-challenge.app.example.com.|${RECORD.value}`,
      `cleanup|_acme-challenge.app.example.com.|${RECORD.value}`,
    ]);
  });

  it('runs `<EXEC_PATH> present|cleanup -- <domain> <token> <keyAuth>` with EXEC_MODE=RAW', async () => {
    writeFileSync(log, '');
    const provider = createDnsProvider('exec', { PATH: process.env.PATH, EXEC_PATH: script, EXEC_MODE: 'RAW' });
    await provider.present(RECORD);
    await provider.cleanUp(RECORD);
    assert.deepEqual(calls(), [
      'present|--|app.example.com|-tok_EN|-tok_EN.thumbprint',
      'cleanup|--|app.example.com|-tok_EN|-tok_EN.thumbprint',
    ]);
  });

  it('fails on a non-zero exit with the status and the output, and on a program that does not exist', async () => {
    const failing = createDnsProvider('exec', { PATH: process.env.PATH, EXEC_PATH: script, FAIL_WITH: '3' });
    await assert.rejects(failing.present(RECORD), { message: 'exec: wait command: exit status 3; output: cannot reach DNS API' });
    const missing = createDnsProvider('exec', { EXEC_PATH: join(dir, 'absent.sh') });
    await assert.rejects(missing.present(RECORD), /^Error: exec: start command: .*ENOENT/);
  });
});

describe('httpreq provider', () => {
  let server: Backend;
  let answer: { status: number; body: string };
  before(async () => {
    server = await startBackend('dns-api', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
    });
  });
  after(() => server.close());

  const lastTwo = (): Backend['seen'] => server.seen.slice(-2);
  const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('POSTs {fqdn, value} to <endpoint>/present and /cleanup with basic auth', async () => {
    answer = { status: 200, body: 'ok' };
    const provider = createDnsProvider('httpreq', {
      HTTPREQ_ENDPOINT: `${server.url}/dns/`,
      HTTPREQ_USERNAME: 'lego',
      HTTPREQ_PASSWORD: 'p@ss:word',
    });
    await provider.present(RECORD);
    await provider.cleanUp(RECORD);
    const [present, cleanup] = lastTwo();
    assert.ok(present && cleanup);
    assert.equal(present.method, 'POST');
    assert.equal(present.url, '/dns/present');
    assert.equal(cleanup.url, '/dns/cleanup');
    for (const seen of [present, cleanup]) {
      assert.deepEqual(JSON.parse(seen.body), { fqdn: '_acme-challenge.app.example.com.', value: RECORD.value });
      assert.equal(seen.headers['content-type'], 'application/json');
      assert.equal(seen.headers.accept, 'application/json');
      assert.equal(seen.headers.authorization, basic('lego', 'p@ss:word'));
    }
  });

  it('POSTs {domain, token, keyAuth} with HTTPREQ_MODE=RAW, and sends no auth without both credentials', async () => {
    answer = { status: 204, body: '' };
    const provider = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: server.url, HTTPREQ_MODE: 'RAW', HTTPREQ_USERNAME: 'lego' });
    await provider.present(RECORD);
    await provider.cleanUp(RECORD);
    const [present, cleanup] = lastTwo();
    assert.ok(present && cleanup);
    assert.equal(present.url, '/present');
    assert.equal(cleanup.url, '/cleanup');
    for (const seen of [present, cleanup]) {
      assert.deepEqual(JSON.parse(seen.body), { domain: 'app.example.com', token: '-tok_EN', keyAuth: '-tok_EN.thumbprint' });
      assert.equal(seen.headers.authorization, undefined);
    }
  });

  it('fails on a non-2xx answer, naming the status and the body', async () => {
    answer = { status: 403, body: 'zone locked\n' };
    const provider = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: server.url });
    await assert.rejects(provider.present(RECORD), { message: 'httpreq: unexpected status code: [status code: 403] body: zone locked' });
    const unreachable = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    await assert.rejects(unreachable.cleanUp(RECORD), /^Error: httpreq: unable to communicate with the API server: error: fetch failed: .*ECONNREFUSED/);
  });

  it('keeps only the first 4 KiB of an error body (it goes into one log line), and follows no redirect', async () => {
    answer = { status: 500, body: 'x'.repeat(5 * 1024 * 1024) };
    const provider = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: server.url });
    const err = await provider.present(RECORD).then(() => null, (e: unknown) => e as Error);
    assert.ok(err !== null);
    assert.ok(err.message.length < 4200, `error of ${err.message.length} characters`);
    assert.match(err.message, /^httpreq: unexpected status code: \[status code: 500\] body: x+ \[\.\.\.\]$/);

    const elsewhere = await startBackend('elsewhere');
    try {
      const redirecting = await startBackend('redirect', (_req, res) => {
        res.writeHead(307, { location: `${elsewhere.url}/present` });
        res.end();
      });
      try {
        const raw = createDnsProvider('httpreq', { HTTPREQ_ENDPOINT: redirecting.url, HTTPREQ_MODE: 'RAW' });
        await assert.rejects(raw.present(RECORD), /unable to communicate with the API server/);
        assert.equal(elsewhere.seen.length, 0, 'the key authorization went to the redirect target');
      } finally {
        await redirecting.close();
      }
    } finally {
      await elsewhere.close();
    }
  });
});

describe('cloudflare provider (against a strict stand-in of the v4 API)', () => {
  let cf: CloudflareStandin;
  before(async () => {
    cf = await startCloudflareStandin({
      zones: { 'example.com': 'zone-example', 'example.org': 'zone-org' },
      dnsToken: 'dns-edit-token',
      zoneToken: 'zone-read-token',
      apiKey: { email: 'ops@example.com', key: 'global-key' },
    });
  });
  after(() => cf.close());

  it('finds the zone walking up the labels, creates the TXT record and deletes that record on cleanUp', async () => {
    const provider = createDnsProvider('cloudflare', { CF_DNS_API_TOKEN: 'dns-edit-token', CLOUDFLARE_BASE_URL: cf.baseUrl });
    cf.requests.length = 0;
    await provider.present(RECORD);
    assert.deepEqual(cf.requests, [
      'GET /client/v4/zones?name=_acme-challenge.app.example.com',
      'GET /client/v4/zones?name=app.example.com',
      'GET /client/v4/zones?name=example.com',
      'POST /client/v4/zones/zone-example/dns_records',
    ]);
    const [record, ...others] = [...cf.records.values()];
    assert.equal(others.length, 0);
    assert.deepEqual({ ...record, id: undefined }, {
      id: undefined, zoneId: 'zone-example', type: 'TXT', name: '_acme-challenge.app.example.com', content: RECORD.value, ttl: 120,
    });
    // Another record in the same zone (the bare domain of the same order) must survive this cleanUp.
    const bare = dnsChallengeRecord('app.example.com', 'tok2', 'tok2.thumbprint');
    await provider.present(bare);
    assert.equal(cf.records.size, 2);
    cf.requests.length = 0;
    await provider.cleanUp(RECORD);
    assert.deepEqual(cf.requests, [`DELETE /client/v4/zones/zone-example/dns_records/${record?.id}`]);
    assert.deepEqual([...cf.records.values()].map((r) => r.content), [bare.value]);
    await provider.cleanUp(bare);
    assert.equal(cf.records.size, 0);
    await assert.rejects(provider.cleanUp(bare), { message: "cloudflare: unknown record ID for '_acme-challenge.app.example.com.'" });
  });

  it('reads zones with CF_ZONE_API_TOKEN and edits records with the DNS token; CLOUDFLARE_TTL sets the ttl', async () => {
    const provider = createDnsProvider('cloudflare', {
      CLOUDFLARE_DNS_API_TOKEN: 'dns-edit-token',
      CF_ZONE_API_TOKEN: 'zone-read-token',
      CLOUDFLARE_TTL: '300',
      CLOUDFLARE_BASE_URL: cf.baseUrl,
    });
    const record = dnsChallengeRecord('example.org', 't', 't.k');
    await provider.present(record);
    assert.equal([...cf.records.values()][0]?.ttl, 300);
    await provider.cleanUp(record);
    // The zone token alone cannot edit records: the stand-in refuses it as Cloudflare does.
    const zoneOnly = createDnsProvider('cloudflare', { CF_DNS_API_TOKEN: 'zone-read-token', CLOUDFLARE_BASE_URL: cf.baseUrl });
    await assert.rejects(zoneOnly.present(record), { message: 'cloudflare: failed to create TXT record: POST /zones/zone-org/dns_records: HTTP 403: Authentication error (10000)' });
  });

  it('authenticates with CF_API_EMAIL + CF_API_KEY as X-Auth-Email/X-Auth-Key', async () => {
    const provider = createDnsProvider('cloudflare', { CF_API_EMAIL: 'ops@example.com', CF_API_KEY: 'global-key', CLOUDFLARE_BASE_URL: cf.baseUrl });
    await provider.present(RECORD);
    await provider.cleanUp(RECORD);
    const wrong = createDnsProvider('cloudflare', { CLOUDFLARE_EMAIL: 'ops@example.com', CLOUDFLARE_API_KEY: 'nope', CLOUDFLARE_BASE_URL: cf.baseUrl });
    await assert.rejects(wrong.present(RECORD), /^Error: cloudflare: failed to find zone for _acme-challenge\.app\.example\.com\.: .*Unknown X-Auth-Key or X-Auth-Email \(9103\)/);
    assert.equal(cf.records.size, 0);
  });

  it('reports a domain in no zone of the account', async () => {
    const provider = createDnsProvider('cloudflare', { CF_DNS_API_TOKEN: 'dns-edit-token', CLOUDFLARE_BASE_URL: cf.baseUrl });
    await assert.rejects(provider.present(dnsChallengeRecord('www.example.net', 't', 't.k')), {
      message: 'cloudflare: failed to find zone for _acme-challenge.www.example.net.: zone could not be found for _acme-challenge.www.example.net.',
    });
  });
});

describe('waitForPropagation (against pebble-challtestsrv DNS)', { skip: PEBBLE_SKIP }, () => {
  let pebble: Pebble;
  before(async () => {
    pebble = await startPebble({ httpPort: await freePort(), tlsPort: await freePort() });
  });
  after(() => pebble?.close());

  it('resolves once every resolver answers the value, also when the record appears while waiting', async () => {
    const fqdn = '_acme-challenge.late.example.';
    setTimeout(() => void pebble.setTxt(fqdn, 'late-value'), 300);
    const started = Date.now();
    await waitForPropagation(fqdn, 'late-value', { resolvers: [pebble.dnsServer, pebble.dnsServer], timeoutMs: 5000, intervalMs: 100 });
    assert.ok(Date.now() - started >= 250);
    await pebble.clearTxt(fqdn);
  });

  it('times out with the last resolver answer when the value never shows', async () => {
    const fqdn = '_acme-challenge.wrong.example.';
    await pebble.setTxt(fqdn, 'other-value');
    await assert.rejects(
      waitForPropagation(fqdn, 'expected', { resolvers: [pebble.dnsServer], timeoutMs: 400, intervalMs: 100 }),
      { message: `propagation: time limit exceeded: last error: NS ${pebble.dnsServer} did not return the expected TXT record [fqdn: ${fqdn}, value: expected]: other-value` },
    );
    await pebble.clearTxt(fqdn);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('resolver stopped')), 200);
    await assert.rejects(
      waitForPropagation('_acme-challenge.never.example.', 'x', { resolvers: [pebble.dnsServer], timeoutMs: 10_000, intervalMs: 50, signal: controller.signal }),
      { message: 'resolver stopped' },
    );
  });

  it('solves a pebble DNS-01 order through the exec provider, record and value as pebble validates them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pe-dns-order-'));
    const untrust = trustCaForOrigin(acme.axios, new URL(pebble.directoryUrl).origin, pebble.caPem);
    try {
      // The DNS "API" here is challtestsrv's management interface, called by the exec script.
      const script = join(dir, 'challtestsrv-dns.mjs');
      writeFileSync(script, [
        '#!/usr/bin/env node',
        'const [action, host, value] = process.argv.slice(2);',
        `const res = await fetch(${JSON.stringify(pebble.challtestsrvUrl)} + (action === 'present' ? '/set-txt' : '/clear-txt'),`,
        "  { method: 'POST', body: JSON.stringify(action === 'present' ? { host, value } : { host }) });",
        'if (!res.ok) { console.error(res.status, await res.text()); process.exit(1); }',
        '',
      ].join('\n'));
      chmodSync(script, 0o755);
      const provider = createDnsProvider('exec', { PATH: process.env.PATH, EXEC_PATH: script });

      const accountKey = await acme.crypto.createPrivateEcdsaKey();
      const client = new acme.Client({ directoryUrl: pebble.directoryUrl, accountKey, backoffMin: 50, backoffMax: 500 });
      await client.createAccount({ termsOfServiceAgreed: true });
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'exec.example' }, { type: 'dns', value: '*.exec.example' }] });
      // RFC 8555 §8.1: keyAuthorization = token '.' base64url(JWK thumbprint), computed as acme-client does.
      const thumbprint = createHash('sha256').update(JSON.stringify(acme.crypto.getJwk(accountKey))).digest('base64url');
      const records: DnsChallengeRecord[] = [];
      for (const authz of await client.getAuthorizations(order)) {
        const challenge = authz.challenges.find((c) => c.type === 'dns-01');
        assert.ok(challenge);
        const record = dnsChallengeRecord(authz.wildcard === true ? `*.${authz.identifier.value}` : authz.identifier.value, challenge.token, `${challenge.token}.${thumbprint}`);
        assert.equal(record.value, await client.getChallengeKeyAuthorization(challenge), "acme-client's dns-01 answer is the TXT value");
        records.push(record);
      }
      // Wildcard and bare name share _acme-challenge.exec.example: challtestsrv keeps both values.
      for (const record of records) await provider.present(record);
      for (const record of records) {
        await waitForPropagation(record.fqdn, record.value, { resolvers: [pebble.dnsServer], timeoutMs: 2000, intervalMs: 100 });
      }
      for (const authz of await client.getAuthorizations(order)) {
        const challenge = authz.challenges.find((c) => c.type === 'dns-01');
        assert.ok(challenge);
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      }
      for (const record of records) await provider.cleanUp(record);
      const [, csr] = await acme.crypto.createCsr({ commonName: 'exec.example', altNames: ['exec.example', '*.exec.example'] });
      const pem = await client.getCertificate(await client.finalizeOrder(order, csr));
      const leaf = new X509Certificate(acme.crypto.splitPemChain(pem)[0] ?? '');
      assert.equal(leaf.checkHost('anything.exec.example'), '*.exec.example');
      await assert.rejects(
        waitForPropagation(records[0]?.fqdn ?? '', records[0]?.value ?? '', { resolvers: [pebble.dnsServer], timeoutMs: 0, intervalMs: 10 }),
        /time limit exceeded/,
        'cleanUp removed the records',
      );
    } finally {
      untrust();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
