// rateLimit.redis.tls and dialTimeout against a real redis-server speaking TLS only (Debian's is built with TLS):
// the bucket is counted in Redis only when pe-edge's TLS settings let it in; when they do not, the middleware
// answers 500 as Traefik does and reports the outage.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EdgeProxy } from '../../../proxy/index.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';
import { buildInput, entryPointOptions } from '../../support/proxy-fixture.js';
import { REDIS_SERVER, RedisServer, redisServerMissing } from '../../support/redis-server.js';

type After = { after: (fn: () => Promise<void> | void) => void };

interface Pki { dir: string; file: (name: string) => string }

/** A throw-away CA signing Redis's certificate (IP 127.0.0.1) and pe-edge's client certificate (openssl CLI). */
function makePki(t: After): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'pe-redis-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=pe-edge redis test CA');
  const sign = (name: string, subject: string, ext: string): void => {
    openssl('req', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    writeFileSync(file(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file(`${name}.crt`), '-days', '2', '-extfile', file(`${name}.ext`));
  };
  sign('redis', '/CN=redis.test', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('client', '/CN=pe-edge', 'extendedKeyUsage=clientAuth\n');
  return { dir, file };
}

interface Edge { url: string; outages: string[] }

/** An EdgeProxy whose every request passes the rateLimit `limit@file` (average 1 per 10m, burst 1) with these redis options. */
async function startEdge(t: After, backend: Backend, redis: Record<string, unknown>): Promise<Edge> {
  const outages: string[] = [];
  const input = buildInput({ http: {
    routers: { 'app@file': { rule: 'PathPrefix(`/`)', service: 'app@file', middlewares: ['limit@file'] } },
    services: { 'app@file': { loadBalancer: { servers: [{ url: backend.url }] } } },
    middlewares: { 'limit@file': { rateLimit: { average: 1, period: 600_000, burst: 1, redis } } },
  } });
  const proxy = new EdgeProxy([entryPointOptions('web')], input, undefined, {}, undefined, {
    failed: () => undefined,
    outage: (middleware, endpoint, error) => outages.push(`${middleware} ${endpoint} ${error === null ? 'back' : error.message}`),
  });
  await proxy.listen();
  t.after(() => proxy.close(0));
  return { url: `http://127.0.0.1:${proxy.port('web')}/`, outages };
}

async function statuses(url: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await httpGet(url, { timeoutMs: 10_000 })).status);
  return out;
}

const missing = redisServerMissing();
if (missing === 'fail') {
  test('rateLimit.redis.tls against a real Redis: redis-server is required in CI', () => {
    assert.fail(`${REDIS_SERVER} is missing: .ci/run installs redis-server`);
  });
} else if (missing === 'skip') {
  console.warn(`\n!!! SKIPPING the rateLimit.redis TLS tests: ${REDIS_SERVER} is missing (apt-get install redis-server). They run in CI.\n`);
  test('rateLimit.redis.tls against a real Redis', { skip: `SKIPPED LOUDLY: ${REDIS_SERVER} is missing` }, () => undefined);
} else {
  test('rateLimit.redis.tls: mutual TLS with ca, cert and key (files or PEM text), insecureSkipVerify without the CA; an unverified Redis is a 500', { timeout: 60_000 }, async (t) => {
    const pki = makePki(t);
    const redis = await RedisServer.start([], { cert: pki.file('redis.crt'), key: pki.file('redis.key'), ca: pki.file('ca.crt') });
    t.after(() => redis.stop());
    const backend = await startBackend('app');
    t.after(() => backend.close());
    const endpoints = [redis.endpoint];

    // The CA as a file, the client certificate and key as PEM text: limited in Redis (burst 1, then 429).
    const verified = await startEdge(t, backend, { endpoints, tls: { ca: pki.file('ca.crt'), cert: readFileSync(pki.file('client.crt'), 'utf8'), key: pki.file('client.key') } });
    assert.deepEqual(await statuses(verified.url, 2), [200, 429]);
    assert.deepEqual(verified.outages, []);

    // No CA, insecureSkipVerify: the same bucket (db 0, the same middleware name), still spent.
    const skipping = await startEdge(t, backend, { endpoints, tls: { cert: pki.file('client.crt'), key: pki.file('client.key'), insecureSkipVerify: true } });
    assert.deepEqual(await statuses(skipping.url, 1), [429], 'the bucket the first edge spent');

    // No CA and verification on: Redis's certificate is not trusted, so Redis is never asked: every request is a 500.
    const untrusted = await startEdge(t, backend, { endpoints, tls: { cert: pki.file('client.crt'), key: pki.file('client.key') }, readTimeout: 1000 });
    assert.deepEqual(await statuses(untrusted.url, 3), [500, 500, 500]);
    assert.equal(untrusted.outages.length, 1, untrusted.outages.join(' | '));
    assert.match(untrusted.outages[0] as string, new RegExp(`^limit@file ${redis.endpoint.replace(/\./g, '\\.')} `));

    // Without a client certificate Redis refuses the handshake (tls-auth-clients yes): 500 as well.
    const anonymous = await startEdge(t, backend, { endpoints, tls: { ca: pki.file('ca.crt') }, readTimeout: 1000 });
    assert.deepEqual(await statuses(anonymous.url, 2), [500, 500]);
    assert.equal(anonymous.outages.length, 1);
  });

  test('rateLimit.redis.dialTimeout: a Redis that accepts the connection and never completes the TLS handshake is given up after dialTimeout', { timeout: 60_000 }, async (t) => {
    // A listener that takes connections and says nothing: the handshake never ends.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const { port } = silent.address() as net.AddressInfo;
    const backend = await startBackend('app');
    t.after(() => backend.close());
    // readTimeout 8s: only dialTimeout can answer the first request early.
    const edge = await startEdge(t, backend, { endpoints: [`127.0.0.1:${port}`], tls: { insecureSkipVerify: true }, dialTimeout: 300, readTimeout: 8000 });
    const started = Date.now();
    assert.equal((await httpGet(edge.url, { timeoutMs: 15_000 })).status, 500);
    const ms = Date.now() - started;
    assert.ok(ms < 4000, `the first request waited for the dial only (300 ms, generous bound 4 s), not readTimeout's 8 s: ${ms} ms`);
    assert.equal(edge.outages.length, 1);
  });
}
