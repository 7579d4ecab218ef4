// `redisStorage` connection options against a real redis-server speaking TLS only, with an ACL user and a db other
// than 0: what one replica stores another reads; a wrong password is one warning, not a crash; one lease holder.
// And, on a plain redis-server: no lease in the moments after an outage, while the other replicas reconnect.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { acmeRedisStorageSchema, type AcmeRedisStorage } from '../../../labels-spec/static/redis-storage.js';
import { RedisCertificateStore } from '../../../operator/certificates/redis-certificate-store.js';
import type { StoredCertificate } from '../../../operator/certificates/acme-storage.js';
import { AcmeChallengeStore } from '../../../proxy/tls/acme-challenges.js';
import { generateSelfSignedCertificate } from '../../../proxy/tls/self-signed-certificate.js';
import { freePort } from '../../support/cli-process.js';

const REDIS = '/usr/bin/redis-server';
const skip = existsSync(REDIS) ? false : 'Debian package redis-server is not installed (.ci/run installs it)';

/** A log that keeps its messages by level name. */
function recordingLog(): { log: Logger; messages: (level: string) => string[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const levels: Record<string, number> = { info: 30, warn: 40, error: 50 };
  return { log: pino({ level: 'info' }, sink), messages: (level) => lines.filter((l) => l.level === levels[level]).map((l) => l.msg) };
}

function certificate(main: string): StoredCertificate {
  const now = Date.now();
  const { cert, key } = generateSelfSignedCertificate({ commonName: main, dnsNames: [main], notBefore: new Date(now - 60_000), notAfter: new Date(now + 90 * 86_400_000) });
  return { domain: { main, sans: [] }, certificatePem: cert, keyPem: key, store: 'default' };
}

describe('redisStorage connection: TLS, ACL user, db (real redis-server)', { skip }, () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let caFile: string;
  const stores: RedisCertificateStore[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pe-redis-tls-'));
    const run = (args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=pe-edge redis test CA']);
    run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'server.ext', '-out', 'server.pem']);
    caFile = join(dir, 'ca.pem');
    port = await freePort();
    // TLS only (no plain port), the default user off, one ACL user.
    server = spawn(REDIS, [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
      '--tls-cert-file', join(dir, 'server.pem'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', caFile, '--tls-auth-clients', 'no',
      '--user', 'default', 'off', '--user', 'edge', 'on', '>s3cret', '~*', '&*', '+@all',
    ], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const probe = new Redis({ port, host: '127.0.0.1', username: 'edge', password: 's3cret', tls: { ca: readFileSync(caFile, 'utf8'), servername: 'localhost' }, lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => undefined);
      const ok = await probe.connect().then(() => true, () => false);
      probe.disconnect();
      if (ok) break;
      if (i > 100) throw new Error('redis-server with TLS did not start');
      await sleep(100);
    }
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, unknown> = {}): AcmeRedisStorage => acmeRedisStorageSchema.parse({
    endpoints: [`localhost:${port}`], username: 'edge', password: 's3cret', db: 3, tls: { ca: caFile }, keyPrefix: 'conn:', leaseDuration: '1s', ...extra,
  });
  const store = (cfg: AcmeRedisStorage, log = recordingLog().log): RedisCertificateStore => {
    const s = new RedisCertificateStore('le', cfg, { log, challenges: new AcmeChallengeStore() });
    stores.push(s);
    return s;
  };

  it('what one replica stores over TLS as an ACL user in db 3, another reads; the keys are where the README says', async () => {
    const writer = store(config());
    assert.deepEqual(await writer.load(), { account: null, certificates: [] });
    const stored = certificate('conn.test');
    await writer.saveCertificate({ account: null, certificates: [stored] }, stored);

    const reader = store(config());
    const data = await reader.load();
    assert.deepEqual(data.certificates, [stored]);

    const raw = new Redis({ port, host: 'localhost', username: 'edge', password: 's3cret', db: 3, tls: { ca: readFileSync(caFile, 'utf8') } });
    try {
      assert.deepEqual(await raw.hkeys('conn:le:certificates'), ['conn.test']);
      const entry = JSON.parse((await raw.hget('conn:le:certificates', 'conn.test')) ?? '{}') as Record<string, unknown>;
      assert.deepEqual(Object.keys(entry).sort(), ['Store', 'certificate', 'domain', 'key'], 'an acme.json certificate entry');
      await raw.select(0);
      assert.equal(await raw.exists('conn:le:certificates'), 0, 'not in db 0');
    } finally {
      raw.disconnect();
    }
  });

  it('one lease holder at a time; a holder that stops renewing loses it after leaseDuration', async () => {
    const a = store(config({ keyPrefix: 'lease:' }));
    const b = store(config({ keyPrefix: 'lease:' }));
    await Promise.all([a.load(), b.load()]);
    const held = await a.acquire('x.test');
    assert.ok(held);
    assert.equal(await b.acquire('x.test'), null);
    // Renewed while held: still A's well past leaseDuration (1 s).
    await sleep(2500);
    assert.equal(await b.acquire('x.test'), null);
    await held.release();
    const next = await b.acquire('x.test');
    assert.ok(next, 'free once released');
    // B "dies": its renewals stop, and A gets the lease once it expires.
    await b.close();
    assert.equal(await a.acquire('x.test'), null);
    await sleep(1500);
    assert.ok(await a.acquire('x.test'), 'free once the dead holder\'s lease expired');
  });

  it('a wrong password: one warning naming the store, an empty store, no crash; orders wait', async () => {
    const { log, messages } = recordingLog();
    const s = store(config({ password: 'wrong' }), log);
    assert.deepEqual(await s.load(), { account: null, certificates: [] });
    await sleep(1500);
    const warnings = messages('warn');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0] ?? '', new RegExp(`ACME certificate store Redis localhost:${port} is unreachable \\(.*WRONGPASS`));
    await assert.rejects(s.acquire('y.test'), { name: 'CertificateStoreUnavailable' });
  });
});

describe('redisStorage back after an outage (real redis-server)', { skip }, () => {
  it('no lease is taken until the other replicas, backing off their reconnects, have had time to come back and beat', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pe-redis-back-'));
    const { log, messages } = recordingLog();
    const s = new RedisCertificateStore('le', acmeRedisStorageSchema.parse({ endpoints: [`127.0.0.1:${port}`], keyPrefix: 'back:', leaseDuration: '3s' }), { log, challenges: new AcmeChallengeStore() });
    let server: ChildProcess | undefined;
    try {
      // Redis away at start: the replica starts without it and reconnects (every 5 s at most).
      assert.deepEqual(await s.load(), { account: null, certificates: [] });
      await assert.rejects(s.acquire('z.test'), { name: 'CertificateStoreUnavailable' });
      server = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
      const reachable = (): boolean => messages('info').some((m) => m.includes('is reachable again'));
      for (const deadline = Date.now() + 15_000; !reachable();) {
        assert.ok(Date.now() < deadline, 'the store reconnected');
        await sleep(50);
      }
      const backAt = Date.now();
      // Another replica may still be up to 5 s from its next reconnect: the CA must not be asked before it is back.
      const lease = await s.acquire('z.test');
      assert.ok(lease, 'the lease once the others have had their time');
      assert.ok(Date.now() - backAt >= 6500, `the lease waited ${Date.now() - backAt} ms after Redis came back`);
      await lease.release();
    } finally {
      await s.close();
      server?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
