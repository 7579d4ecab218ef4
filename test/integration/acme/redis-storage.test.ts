// Replicas sharing one ACME resolver through `redisStorage`: two pe-edge processes, a real redis-server and pebble.
// pebble validates HTTP-01 through a TCP balancer in front of both edges' web entrypoints (as a load balancer in
// front of replicas would), sent to the replica that did NOT order whenever there is one: the challenge answer
// has to reach every replica.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { servedCertificate, startAcmeEdge, startAcmeRig, waitForCertificate, type AcmeRig } from '../../support/acme-edge.js';
import { freePort, TempConfigDir, type CliProcess } from '../../support/cli-process.js';
import { pebbleInstalled } from '../../support/pebble.js';

const REDIS = '/usr/bin/redis-server';
const skip = !pebbleInstalled() ? 'Debian package pebble is not installed (.ci/run installs it)'
  : !existsSync(REDIS) ? 'Debian package redis-server is not installed (.ci/run installs it)' : false;

interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port, without persistence; resolves once it answers PING. */
async function startRedis(port?: number): Promise<RedisServer> {
  const listen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'pe-redis-'));
  const child: ChildProcess = spawn(REDIS, ['--port', String(listen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await answersPing(listen)) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on ${listen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: listen,
    async stop() {
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** One replica: its own entrypoint ports and config folder. */
interface Replica {
  web: number;
  secure: number;
  dir: TempConfigDir;
  proc: CliProcess | null;
}

/** A TCP balancer on `port`: each connection goes where `pick` says (a web port), bytes piped both ways. */
async function balancer(port: number, pick: () => number | undefined): Promise<{ hits: Map<number, number>; close(): Promise<void> }> {
  const hits = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    const target = pick();
    if (target === undefined) return client.destroy();
    hits.set(target, (hits.get(target) ?? 0) + 1);
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    hits,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const ordering = (proc: CliProcess | null): number => proc?.messages().filter((m) => m.startsWith('Ordering ACME certificate')).length ?? 0;
const registered = (proc: CliProcess | null): number => proc?.messages().filter((m) => m === 'ACME account registered').length ?? 0;
/** Not exited: a replica still starting (its process not handed back yet) already answers on its entrypoints. */
const alive = (r: Replica): boolean => r.proc === null || r.proc.exit === undefined;

describe('ACME certificates shared by replicas through redisStorage (real redis-server and pebble)', { skip }, () => {
  let rig: AcmeRig;
  let redis: RedisServer;
  let replicas: Replica[] = [];
  let front: Awaited<ReturnType<typeof balancer>>;
  let frontTls: Awaited<ReturnType<typeof balancer>>;
  let prefix = 0;

  before(async () => {
    rig = await startAcmeRig();
    redis = await startRedis();
    // pebble's validations (HTTP-01 on the web port, TLS-ALPN-01 on the TLS port): to a live replica that did not
    // order when there is one, else to any live one.
    const pick = (): Replica | undefined => {
      const live = replicas.filter(alive);
      return live.find((r) => ordering(r.proc) === 0) ?? live[0];
    };
    front = await balancer(rig.webPort, () => pick()?.web);
    frontTls = await balancer(rig.securePort, () => pick()?.secure);
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.proc?.stop()));
    replicas.forEach((r) => r.dir.remove());
    await front?.close();
    await frontTls?.close();
    await redis?.stop();
    await rig?.close();
  });

  /**
   * Two replicas with one resolver `le` in Redis (a fresh key prefix per test); once both listen, the router asking
   * for `host` reaches both at once (their file providers watch), so they race for the order.
   */
  async function twoReplicas(host: string, acme: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Promise<Replica[]> {
    await Promise.all(replicas.map((r) => r.proc?.stop()));
    replicas.forEach((r) => r.dir.remove());
    prefix++;
    replicas = [];
    for (let i = 0; i < 2; i++) replicas.push({ web: await freePort(), secure: await freePort(), dir: new TempConfigDir(), proc: null });
    await Promise.all(replicas.map(async (r) => {
      try {
        await start(r, null, acme, env);
      } catch (err) {
        // A free port taken meanwhile by another process on this machine: once more on new ports.
        if (!String(err).includes('EADDRINUSE')) throw err;
        r.web = await freePort();
        r.secure = await freePort();
        await start(r, null, acme, env);
      }
    }));
    for (const r of replicas) r.dir.write('dynamic.yml', JSON.stringify(dynamicFile(host)));
    return replicas;
  }

  const routersFor = (host: string | null): Record<string, Record<string, unknown>> =>
    host === null ? {} : { app: { rule: `Host(\`${host}\`)`, entryPoints: ['websecure'], service: 'app', tls: { certResolver: 'le' } } };
  const dynamicFile = (host: string | null) => ({
    http: {
      routers: routersFor(host),
      services: { app: { loadBalancer: { servers: [{ url: rig.backend.url }] } } },
    },
  });

  async function start(r: Replica, host: string | null, acme: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<void> {
    r.proc = await startAcmeEdge({ ...rig, webPort: r.web, securePort: r.secure }, r.dir, {
      resolvers: {
        le: {
          email: 'ops@replicas.test',
          httpChallenge: { entryPoint: 'web' },
          redisStorage: { endpoints: [`127.0.0.1:${redis.port}`], keyPrefix: `test${prefix}:`, leaseDuration: '3s' },
          ...acme,
        },
      },
      routers: routersFor(host),
      staticConfig: { providers: { file: { filename: r.dir.file('dynamic.yml'), watch: true } } },
      // Two edges starting at once on a machine shared with other work: a generous wait for their entrypoints.
    }, env, 30_000);
  }

  const target = (r: Replica) => ({ pebble: rig.pebble, securePort: r.secure });

  it('two replicas starting together: one account, ONE order reaches pebble, both serve the same certificate', async () => {
    const ordersBefore = rig.pebble.orders();
    const [a, b] = await twoReplicas('shared.test');
    assert.ok(a?.proc && b?.proc);
    const fromA = await waitForCertificate(target(a), a.proc, 'shared.test', (c) => c.trusted, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- the other replica ---\n${b.proc?.output() ?? ''}`);
    });
    const fromB = await waitForCertificate(target(b), b.proc, 'shared.test', (c) => c.trusted, 10_000);
    assert.equal(fromB.serial, fromA.serial, 'the same certificate on both replicas');
    assert.deepEqual(fromA.names, ['shared.test']);

    assert.equal(rig.pebble.orders() - ordersBefore, 1, 'pebble created exactly one order');
    assert.equal(ordering(a.proc) + ordering(b.proc), 1, `${a.proc.output()}\n${b.proc.output()}`);
    assert.equal(registered(a.proc) + registered(b.proc), 1, 'one ACME account for both');
    const waiter = ordering(a.proc) === 0 ? a : b;
    assert.ok((front.hits.get(waiter.web) ?? 0) > 0, 'pebble validated against the replica that did not order, which answered');
    assert.equal(existsSync(a.dir.file('acme.json')), false, 'acme.json is not used with redisStorage');

    // A replica (re)starting later serves the stored certificate from its first handshake, and orders nothing.
    await waiter.proc?.stop();
    await start(waiter, 'shared.test', {});
    assert.equal((await servedCertificate(target(waiter), 'shared.test')).serial, fromA.serial);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(ordering(waiter.proc), 0);
    assert.equal(rig.pebble.orders() - ordersBefore, 1);
  });

  it('TLS-ALPN-01: the challenge certificate reaches the replica that did not order, which answers the CA\'s handshake', async () => {
    const ordersBefore = rig.pebble.orders();
    const [a, b] = await twoReplicas('alpn.test', { httpChallenge: undefined, tlsChallenge: {} });
    assert.ok(a?.proc && b?.proc);
    const fromA = await waitForCertificate(target(a), a.proc, 'alpn.test', (c) => c.trusted, 60_000);
    const fromB = await waitForCertificate(target(b), b.proc, 'alpn.test', (c) => c.trusted, 10_000);
    assert.equal(fromB.serial, fromA.serial);
    assert.equal(rig.pebble.orders() - ordersBefore, 1);
    const waiter = ordering(a.proc) === 0 ? a : b;
    assert.ok((frontTls.hits.get(waiter.secure) ?? 0) > 0, 'pebble validated against the replica that did not order');
  });

  it('the replica holding the lease is killed mid-order: the other orders once the lease expires, and both end up serving the certificate', async () => {
    const ordersBefore = rig.pebble.orders();
    // The challenge is answered 4 s before the CA is asked to validate: a window in which to kill the orderer.
    const [a, b] = await twoReplicas('takeover.test', { httpChallenge: { entryPoint: 'web', delay: '4s' } });
    assert.ok(a?.proc && b?.proc);
    const procs = [a.proc, b.proc];
    await Promise.race(procs.map((p) => p.waitForLine('Ordering ACME certificate', 30_000)));
    const [holder, other] = ordering(a.proc) > 0 ? [a, b] : [b, a];
    assert.equal(ordering(other.proc), 0, 'one replica orders, the other waits');
    // Killed once its order reached pebble, inside the 4 s the challenge waits.
    for (const deadline = Date.now() + 10_000; rig.pebble.orders() === ordersBefore;) {
      assert.ok(Date.now() < deadline, 'the order reached pebble');
      await new Promise((r) => setTimeout(r, 20));
    }
    holder.proc?.signal('SIGKILL');
    await holder.proc?.exited;
    const killedAt = Date.now();
    assert.ok(other.proc);

    await other.proc.waitForLine('Ordering ACME certificate', 30_000);
    assert.ok(Date.now() - killedAt < 15_000, 'taken over within seconds of the 3 s lease expiring');
    const served = await waitForCertificate(target(other), other.proc, 'takeover.test', (c) => c.trusted, 60_000);
    assert.equal(rig.pebble.orders() - ordersBefore, 2, 'the dead replica\'s order, and the one that took over');

    // The killed replica comes back: it serves the certificate the other one stored.
    await start(holder, 'takeover.test', { httpChallenge: { entryPoint: 'web', delay: '4s' } });
    assert.ok(holder.proc);
    const back = await waitForCertificate(target(holder), holder.proc, 'takeover.test', (c) => c.trusted, 10_000);
    assert.equal(back.serial, served.serial);
    assert.equal(ordering(holder.proc), 0, holder.proc.output());
  });

  it('Redis goes away: both replicas keep serving, each warns once; Redis back empty: they store what they hold again, and a restarted replica orders nothing', async () => {
    const ordersBefore = rig.pebble.orders();
    const [a, b] = await twoReplicas('outage.test');
    assert.ok(a?.proc && b?.proc);
    const issued = await waitForCertificate(target(a), a.proc, 'outage.test', (c) => c.trusted, 60_000);
    await waitForCertificate(target(b), b.proc, 'outage.test', (c) => c.serial === issued.serial, 10_000);

    await redis.stop();
    const unreachable = (p: CliProcess): number => p.messages('warn').filter((m) => /ACME certificate store Redis .* is unreachable/.test(m)).length;
    for (const p of [a.proc, b.proc]) await p.waitFor(() => unreachable(p) > 0, 10_000, 'the outage warning');
    // Reconnects keep failing meanwhile (backing off up to 5 s): still one warning for the outage.
    await new Promise((r) => setTimeout(r, 6000));
    for (const r of [a, b]) {
      assert.ok(r.proc);
      assert.equal(unreachable(r.proc), 1, r.proc.output());
      assert.equal((await servedCertificate(target(r), 'outage.test')).serial, issued.serial, 'served from memory while Redis is away');
    }

    redis = await startRedis(redis.port);
    for (const p of [a.proc, b.proc]) await p.waitForLine(/ACME certificate store Redis .* is reachable again/, 15_000);
    // The new Redis started empty: the replicas wrote back what they hold, so a replica starting now finds it.
    await new Promise((r) => setTimeout(r, 1000));
    await a.proc.stop();
    await start(a, 'outage.test', {});
    assert.ok(a.proc);
    assert.equal((await servedCertificate(target(a), 'outage.test')).serial, issued.serial);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(ordering(a.proc), 0, a.proc.output());
    assert.equal(rig.pebble.orders() - ordersBefore, 1);
  });

  it('Redis away when the replicas start and a router asks: requests are served (default certificate), nothing is ordered; Redis back: one order, both serve it', async () => {
    const ordersBefore = rig.pebble.orders();
    const port = redis.port;
    await redis.stop();
    const [a, b] = await twoReplicas('late.test', {}, { PE_EDGE_ACME_RETRY_BASE: '2s' });
    assert.ok(a?.proc && b?.proc);
    const unreachable = (p: CliProcess): number => p.messages('warn').filter((m) => /ACME certificate store Redis .* is unreachable/.test(m)).length;
    for (const p of [a.proc, b.proc]) await p.waitFor(() => unreachable(p) > 0, 10_000, 'the outage warning');
    await new Promise((r) => setTimeout(r, 5000));
    for (const r of [a, b]) {
      assert.ok(r.proc);
      assert.deepEqual(await insecureGet(r.secure, 'late.test'), { status: 200, body: 'app' }, 'routing does not wait for Redis');
      assert.equal((await servedCertificate(target(r), 'late.test')).trusted, false, 'the default certificate meanwhile');
      assert.equal(unreachable(r.proc), 1, 'one warning for the outage, however many retries');
      assert.equal(ordering(r.proc), 0, 'no order without the lease');
      assert.equal(r.proc.messages('error').filter((m) => m.startsWith('Unable to obtain')).length, 0, r.proc.output());
    }
    assert.equal(rig.pebble.orders(), ordersBefore);

    const hitsBefore = new Map([a, b].map((r) => [r.web, front.hits.get(r.web) ?? 0]));
    redis = await startRedis(port);
    const issued = await waitForCertificate(target(a), a.proc, 'late.test', (c) => c.trusted, 60_000);
    await waitForCertificate(target(b), b.proc, 'late.test', (c) => c.serial === issued.serial, 10_000);
    const outputs = `${a.proc.output()}\n--- the other replica ---\n${b.proc.output()}`;
    // The first replica back used to order before the other had reconnected; the CA's request reached that one,
    // which had not heard the challenge answer (a 404), and a second order followed.
    assert.equal(rig.pebble.orders() - ordersBefore, 1, outputs);
    assert.equal(ordering(a.proc) + ordering(b.proc), 1, outputs);
    for (const p of [a.proc, b.proc]) assert.equal(p.messages('error').filter((m) => m.startsWith('Unable to obtain')).length, 0, outputs);
    const waiter = ordering(a.proc) === 0 ? a : b;
    assert.ok((front.hits.get(waiter.web) ?? 0) > (hitsBefore.get(waiter.web) ?? 0), 'pebble validated against the replica that did not order, which answered');
  });
});

/** An HTTPS request to 127.0.0.1:`port` for `host`, whatever certificate answers. */
function insecureGet(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', servername: host, headers: { host }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.once('error', reject);
  });
}
