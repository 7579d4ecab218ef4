// `pe-edge --workers=2` as a user runs it: two processes share the ports and still behave as one edge. Limits
// count for both workers, one worker probes health for all, and a scrape shows both workers' traffic.
// Every test checks that connections did reach both workers (from /proc), or a per-process count would pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';
import { childPids, connectionOwner, listeningSockets } from '../../support/socket-owner.js';
import { IMAGE_NODE_ENV, nodeWithReusePort, reusePortNodeSkip } from '../../support/image-node.js';
import { reusePortAvailable } from '../../../operator/workers/workers.js';
import { RedisServer, redisServerMissing } from '../../support/redis-server.js';
import { certificateFor } from '../../support/tcp-backends.js';
import { nextRotation, tlsResume, tlsTicket } from '../../support/tls-resumption.js';
import { YOUNG_GENERATION_FLAG } from '../../../operator/workers/young-generation.js';

interface Answer {
  status: number;
  /** The worker that accepted the connection. */
  worker: number | undefined;
}

/** One GET on a fresh connection; the worker holding it is looked up while it is still open. */
function getFresh(port: number, path: string, workers: readonly number[], headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      const clientPort = res.socket.localPort ?? 0;
      res.resume();
      res.on('end', () => {
        const worker = connectionOwner(port, clientPort, workers);
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, worker });
      });
    });
    req.on('error', (err) => {
      agent.destroy();
      reject(err);
    });
  });
}

/** A router on `web` to one server. */
function oneRouter(serverUrl: string): string[] {
  return [
    'http:',
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${serverUrl}" }] } }`,
    '  routers:',
    '    app: { rule: "PathPrefix(`/`)", service: app, entryPoints: [web] }',
  ];
}

/**
 * `count` GETs at once on fresh connections, and again while every one reached the same worker (5 waves at most):
 * the kernel hands a burst of connections to whichever worker wakes first, and on a busy machine that can be one
 * worker for all of them. Returns every answer: callers count from its length.
 */
async function freshOverBothWorkers(port: number, workers: readonly number[], count: number, headers: http.OutgoingHttpHeaders = {}): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let wave = 0; wave < 5 && new Set(answers.map((a) => a.worker)).size < 2; wave++) {
    if (wave > 0) await new Promise((r) => setTimeout(r, 100));
    answers.push(...await Promise.all(Array.from({ length: count }, () => getFresh(port, '/', workers, headers))));
  }
  return answers;
}

/** 40 GETs on fresh connections (or more, see freshOverBothWorkers), all answered 200, which reached both workers. */
async function fortyOverBothWorkers(port: number, workers: readonly number[]): Promise<void> {
  const answers = await freshOverBothWorkers(port, workers, 40);
  assert.ok(answers.every((a) => a.status === 200));
  assert.equal(new Set(answers.map((a) => a.worker)).size, 2, `connections reached both workers: ${JSON.stringify(answers.map((a) => a.worker))}`);
}

describe('pe-edge --workers=2', () => {
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  const backends: Backend[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(backends.map((b) => b.close()));
    dirs.forEach((d) => d.remove());
  });

  /** Starts pe-edge with two workers on `dynamic` and waits until both listen on every entrypoint; returns their pids. */
  async function startWorkers(dynamic: string[], entryPoints: Record<string, number>, extra?: string, env?: NodeJS.ProcessEnv, node?: string): Promise<{ proc: CliProcess; workers: number[]; dir: TempConfigDir }> {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('dynamic.yml', dynamic.join('\n'));
    dir.write('traefik.yml', staticYaml({ entryPoints, dynamicFile: dir.file('dynamic.yml'), ...(extra !== undefined ? { extra } : {}) }));
    const proc = new CliProcess(['--configFile=traefik.yml', '--workers=2', '--log.format=json'], { cwd: dir.path, ...(env !== undefined ? { env } : {}), ...(node !== undefined ? { node } : {}) });
    procs.push(proc);
    const listening = 2 * Object.keys(entryPoints).length;
    await proc.waitFor(() => proc.messages('info').filter((m) => m === 'entrypoint listening').length === listening, 30_000, 'both workers listening');
    const workers = childPids(proc.pid ?? 0);
    assert.equal(workers.length, 2, 'two worker processes');
    return { proc, workers, dir };
  }

  it('with an ACME resolver refuses to start, naming the resolver (one process must own acme.json and the challenges)', async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('traefik.yml', staticYaml({
      entryPoints: { web: await freePort() },
      extra: 'certificatesResolvers:\n  le:\n    acme:\n      storage: acme.json\n      caServer: https://127.0.0.1:1/directory\n      httpChallenge:\n        entryPoint: web',
    }));
    const { code, stderr } = await runCli(['--configFile=traefik.yml', '--workers=2'], { cwd: dir.path });
    assert.equal(code, 1);
    assert.match(stderr.join('\n'), /--workers=2: certificatesResolvers \(le\) need a single process/);
  });

  it('a rateLimit admits what one process would, whichever worker the requests reach', async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { workers, proc } = await startWorkers([
      'http:',
      '  middlewares:',
      // maxDelay is 25 ms at 20/s: past the burst, a request is refused rather than held for its token.
      '    limit: { rateLimit: { average: 20, burst: 5 } }',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
      '  routers:',
      '    app: { rule: "PathPrefix(`/`)", service: app, middlewares: [limit] }',
    ], { web });
    const started = performance.now();
    const answers = await freshOverBothWorkers(web, workers, 40);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(new Set(answers.map((a) => a.worker)).size, 2, `connections reached both workers: ${JSON.stringify(answers.map((a) => a.worker))}`);
    const admitted = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429).length;
    assert.equal(admitted + refused, answers.length, 'every request admitted or refused with 429');
    // One bucket for both workers: the burst, plus what refilled meanwhile (one token of slack for timing).
    const most = 5 + Math.ceil(20 * seconds) + 1;
    assert.ok(admitted >= 5 && admitted <= most, `admitted ${admitted} in ${seconds.toFixed(3)} s; one shared bucket admits 5 to ${most}, two buckets up to ${10 + Math.ceil(40 * seconds)}`);
    assert.deepEqual(proc.messages('warn').filter((m) => m.includes('rateLimit')), [], 'no per-process warning for a shared rateLimit');
  });

  // In CI a missing redis-server fails (redisServerMissing() is 'fail' and RedisServer.start throws); elsewhere skipped loudly.
  it('a rateLimit with redis is counted in Redis by each worker: 10 admitted in all of 40, whichever worker', { skip: redisServerMissing() === 'skip' ? 'SKIPPED LOUDLY: /usr/bin/redis-server is missing' : false }, async () => {
    const redis = await RedisServer.start();
    try {
      const backend = await startBackend('app');
      backends.push(backend);
      const web = await freePort();
      const { workers, proc } = await startWorkers([
        'http:',
        '  middlewares:',
        `    limit: { rateLimit: { average: 10, period: 10m, burst: 10, redis: { endpoints: ["${redis.endpoint}"] } } }`,
        '  services:',
        `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
        '  routers:',
        '    app: { rule: "PathPrefix(`/`)", service: app, middlewares: [limit] }',
      ], { web });
      const answers = await freshOverBothWorkers(web, workers, 40);
      assert.equal(new Set(answers.map((a) => a.worker)).size, 2, `connections reached both workers: ${JSON.stringify(answers.map((a) => a.worker))}`);
      assert.equal(answers.filter((a) => a.status === 200).length, 10, `one bucket in Redis: ${answers.map((a) => a.status).join(',')}`);
      assert.equal(answers.filter((a) => a.status === 429).length, answers.length - 10);
      assert.deepEqual(proc.messages('error').filter((m) => m.includes('rateLimit')), [], 'Redis answered every call');
    } finally {
      await redis.stop();
    }
  });

  it('an inFlightReq counts the requests of both workers: amount 3 holds 3 in all', async () => {
    const held: http.ServerResponse[] = [];
    const backend = await startBackend('app', (req, res) => {
      if (req.url === '/slow') held.push(res);
      else res.end('app');
    });
    backends.push(backend);
    const web = await freePort();
    const { workers } = await startWorkers([
      'http:',
      '  middlewares:',
      '    gate: { inFlightReq: { amount: 3 } }',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
      '  routers:',
      '    app: { rule: "PathPrefix(`/`)", service: app, middlewares: [gate] }',
    ], { web });
    let answers: Answer[] = [];
    // Forty at once, so the kernel spreads them over both workers (a handful can all land on one; on a busy machine
    // all forty can: then the wave is run again, 3 waves at most).
    for (let wave = 0; wave < 3 && new Set(answers.map((a) => a.worker)).size < 2; wave++) {
      answers = [];
      const pending = Array.from({ length: 40 }, () => getFresh(web, '/slow', workers).then((a) => answers.push(a)));
      for (let i = 0; i < 1000 && answers.length < 37; i++) await new Promise((r) => setTimeout(r, 10));
      // Room for a fourth request to slip through, were each worker counting alone.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(held.length, 3, 'three requests in flight in all');
      assert.equal(answers.length, 37);
      assert.ok(answers.every((a) => a.status === 429));
      for (const res of held.splice(0)) res.end('slow');
      await Promise.all(pending);
    }
    assert.equal(new Set(answers.map((a) => a.worker)).size, 2, `connections reached both workers: ${JSON.stringify(answers.map((a) => a.worker))}`);
    // The slots came back to the primary: three at a time are admitted again, whichever worker takes them.
    for (let round = 0; round < 3; round++) {
      const again = await Promise.all(Array.from({ length: 3 }, () => getFresh(web, '/', workers)));
      assert.deepEqual(again.map((a) => a.status), [200, 200, 200], `round ${round + 1}`);
    }
  });

  it('one worker probes each server; a server it finds DOWN is skipped by both workers', async () => {
    let sick = false;
    let probes = 0;
    const healthy = await startBackend('healthy');
    const flaky = await startBackend('flaky', (req, res) => {
      if (req.url === '/health') {
        probes++;
        res.statusCode = sick ? 503 : 200;
        res.end();
        return;
      }
      res.end('flaky');
    });
    backends.push(healthy, flaky);
    const [web, metricsPort] = [await freePort(), await freePort()];
    const { workers } = await startWorkers([
      'http:',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${healthy.url}" }, { url: "${flaky.url}" }], healthCheck: { path: /health, interval: 200ms, timeout: 150ms } } }`,
      '  routers:',
      '    app: { rule: "PathPrefix(`/`)", service: app, entryPoints: [web] }',
    ], { web, metrics: metricsPort }, 'metrics:\n  prometheus:\n    entryPoint: metrics');
    const since = performance.now();
    await new Promise((r) => setTimeout(r, 1500));
    const expected = (performance.now() - since) / 200 + 2;
    assert.ok(probes <= expected * 1.3, `${probes} probes of the flaky server in 1.5 s at 200 ms: one worker probes (about ${Math.round(expected)}), not each`);
    sick = true;
    await new Promise((r) => setTimeout(r, 600));
    const before = flaky.seen.filter((s) => s.url !== '/health').length;
    const answers = await freshOverBothWorkers(web, workers, 30);
    assert.equal(new Set(answers.map((a) => a.worker)).size, 2, 'connections reached both workers');
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(flaky.seen.filter((s) => s.url !== '/health').length, before, 'no worker sent a request to the server found DOWN');
    const text = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, { fresh: true })).body;
    assert.match(text, new RegExp(`^traefik_service_server_up\\{service="app@file",url="${flaky.url}"\\} 0$`, 'm'), 'DOWN in the metrics of both workers');
    sick = false;
    await new Promise((r) => setTimeout(r, 600));
    const back = await Promise.all(Array.from({ length: 30 }, () => getFresh(web, '/', workers)));
    assert.ok(back.every((a) => a.status === 200));
    assert.ok(flaky.seen.filter((s) => s.url !== '/health').length > before, 'back UP for the workers that do not probe too');
  });

  it('with NODE_CLUSTER_SCHED_POLICY=rr the primary hands connections out in turn: one after another, to each worker alternately', async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { workers } = await startWorkers(oneRouter(backend.url), { web }, undefined, { NODE_CLUSTER_SCHED_POLICY: 'rr' });
    const owners: (number | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await getFresh(web, '/', workers);
      assert.equal(answer.status, 200);
      owners.push(answer.worker);
    }
    // node's primary puts a worker back at the end of its queue once it took a connection: strictly in turn.
    assert.ok(owners.every((w, i) => w !== undefined && (i === 0 || w !== owners[i - 1])), `connections in turn: ${JSON.stringify(owners)}`);
    assert.equal(new Set(owners).size, 2, `both workers: ${JSON.stringify(owners)}`);
  });

  it('on node 22.12 and later each worker listens on a socket of its own (SO_REUSEPORT), and connections reach both', { skip: reusePortNodeSkip() }, async () => {
    const node = nodeWithReusePort();
    assert.ok(node !== null, `no node 22.12 or later: .ci/run names one in ${IMAGE_NODE_ENV}`);
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { workers } = await startWorkers(oneRouter(backend.url), { web }, undefined, undefined, node);
    const held = workers.map((pid) => listeningSockets(web, workers).get(pid) ?? []);
    assert.ok(held.every((inodes) => inodes.length === 1), `one listening socket in each worker: ${JSON.stringify(held)}`);
    assert.notEqual(held[0]?.[0], held[1]?.[0], 'a socket of its own in each worker, not the primary\'s shared');
    await fortyOverBothWorkers(web, workers);
  });

  it('on node 22.12 and later an address another entrypoint or another pe-edge holds is refused at start, as one process refuses it (SO_REUSEPORT would share it)', { skip: reusePortNodeSkip(), timeout: 60_000 }, async () => {
    const node = nodeWithReusePort();
    assert.ok(node !== null, `no node 22.12 or later: .ci/run names one in ${IMAGE_NODE_ENV}`);
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    // Two entrypoints on one address.
    const twice = new TempConfigDir();
    dirs.push(twice);
    twice.write('traefik.yml', ['entryPoints:', `  a: { address: "127.0.0.1:${web}" }`, `  b: { address: "127.0.0.1:${web}" }`].join('\n') + '\n');
    const duplicate = await runCli(['--configFile=traefik.yml', '--workers=2'], { cwd: twice.path, node, timeoutMs: 20_000 });
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stderr.join('\n'), new RegExp(`entryPoint "b" \\(127\\.0\\.0\\.1:${web}\\): listen EADDRINUSE`));
    // A second pe-edge on the ports of one already serving.
    const { dir } = await startWorkers(oneRouter(backend.url), { web }, undefined, undefined, node);
    const second = await runCli(['--configFile=traefik.yml', '--workers=2'], { cwd: dir.path, node, timeoutMs: 20_000 });
    assert.notEqual(second.code, 0);
    assert.match(second.stderr.join('\n'), /entryPoint "web" \(127\.0\.0\.1:\d+\): listen EADDRINUSE/);
  });

  it('on node before 22.12 both workers hold the one listening socket the primary bound', { skip: reusePortAvailable(process.versions.node) ? 'this node has reusePort' : false }, async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { workers } = await startWorkers(oneRouter(backend.url), { web });
    const held = workers.map((pid) => listeningSockets(web, workers).get(pid) ?? []);
    assert.ok(held.every((inodes) => inodes.length === 1), `one listening socket in each worker: ${JSON.stringify(held)}`);
    assert.equal(held[0]?.[0], held[1]?.[0], 'the same socket in both');
  });

  /** Two workers taking connections in turn (`rr`), an HTTPS router for resume.test on `websecure`; `env`: more of the primary's environment. */
  const startResumeWorkers = async (env: NodeJS.ProcessEnv): Promise<{ websecure: number; workers: number[] }> => {
    const backend = await startBackend('app');
    backends.push(backend);
    const websecure = await freePort();
    const { cert, key } = certificateFor('resume.test');
    const keys = new TempConfigDir();
    dirs.push(keys);
    keys.write('cert.pem', cert);
    keys.write('key.pem', key);
    const { workers } = await startWorkers([
      'tls:',
      `  certificates: [{ certFile: ${JSON.stringify(keys.file('cert.pem'))}, keyFile: ${JSON.stringify(keys.file('key.pem'))} }]`,
      'http:',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
      '  routers:',
      '    app: { rule: "Host(`resume.test`)", service: app, entryPoints: [websecure], tls: {} }',
    ], { websecure }, undefined, { NODE_CLUSTER_SCHED_POLICY: 'rr', ...env });
    return { websecure, workers };
  };

  it('a TLS client reconnecting to the other worker resumes its session: the workers share session-ticket keys', { timeout: 60_000 }, async () => {
    const { websecure, workers } = await startResumeWorkers({});
    // In turn: half the reconnections reach the worker that did not issue the ticket they offer.
    const ticket = await tlsTicket(websecure, 'resume.test');
    const reconnections: { resumed: boolean; worker: number | undefined }[] = [];
    for (let i = 0; i < 6; i++) {
      const { resumed, socket } = await tlsResume(websecure, 'resume.test', ticket);
      reconnections.push({ resumed, worker: connectionOwner(websecure, socket.localPort ?? 0, workers) });
      socket.end();
    }
    assert.equal(new Set(reconnections.map((h) => h.worker)).size, 2, `both workers: ${JSON.stringify(reconnections.map((h) => h.worker))}`);
    assert.deepEqual(reconnections.map((h) => h.resumed), [true, true, true, true, true, true]);
  });

  it('with keys rotating, a ticket made on one worker resumes on the other before and after a rotation, and one from before it on neither', { timeout: 60_000 }, async () => {
    const period = 5000;
    // session-ticket-keys.ts TICKET_ROTATION_TEST_ENV: the primary's environment reaches the workers.
    const { websecure, workers } = await startResumeWorkers({ PE_EDGE_TLS_TICKET_ROTATION_MS: String(period) });
    /** Four reconnections offering `ticket`, in turn on both workers: whether each resumed. */
    const offer = async (ticket: Buffer): Promise<boolean[]> => {
      const reconnections: { resumed: boolean; worker: number | undefined }[] = [];
      for (let i = 0; i < 4; i++) {
        const { resumed, socket } = await tlsResume(websecure, 'resume.test', ticket);
        reconnections.push({ resumed, worker: connectionOwner(websecure, socket.localPort ?? 0, workers) });
        socket.end();
      }
      assert.equal(new Set(reconnections.map((h) => h.worker)).size, 2, `both workers: ${JSON.stringify(reconnections.map((h) => h.worker))}`);
      return reconnections.map((h) => h.resumed);
    };
    // The key reaches the workers over IPC: their environment, which /proc/<pid>/environ shows for their whole life,
    // names none (before, it held the key a worker started with, opening every ticket it issued since).
    for (const pid of workers) assert.doesNotMatch(readFileSync(`/proc/${pid}/environ`, 'latin1'), /TICKET_(?!ROTATION_MS=)/, `worker ${pid}'s environment`);
    // Just after a rotation, so what follows falls within one period.
    const { old } = await nextRotation(websecure, 'resume.test', 2 * period + 1000);
    const before = await tlsTicket(websecure, 'resume.test');
    assert.deepEqual(await offer(before), [true, true, true, true], 'a ticket of this period, before the next rotation');
    assert.deepEqual(await offer(old), [false, false, false, false], 'a ticket of the period before');
    await nextRotation(websecure, 'resume.test', 2 * period + 1000);
    assert.deepEqual(await offer(await tlsTicket(websecure, 'resume.test')), [true, true, true, true], 'a ticket made after the rotation');
    assert.deepEqual(await offer(before), [false, false, false, false], 'the ticket from before the rotation');
  });

  it("runs each worker with V8's young generation sized for a proxy, the primary started without the flag", async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const { workers } = await startWorkers(oneRouter(backend.url), { web: await freePort() });
    for (const pid of workers) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes(YOUNG_GENERATION_FLAG), `worker ${pid}: ${argv.join(' ')}`);
    }
  });

  it('a scrape reaching either worker counts the requests both workers served', async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const [web, metricsPort] = [await freePort(), await freePort()];
    const { workers } = await startWorkers(oneRouter(backend.url), { web, metrics: metricsPort }, 'metrics:\n  prometheus:\n    entryPoint: metrics');
    await fortyOverBothWorkers(web, workers);
    for (let scrape = 0; scrape < 4; scrape++) {
      const text = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, { fresh: true })).body;
      const served = /^traefik_entrypoint_requests_total\{code="200",entrypoint="web",method="GET",protocol="http"\} (\d+)$/m.exec(text);
      assert.equal(served?.[1], '40', `scrape ${scrape + 1}: every worker's requests, summed:\n${text.split('\n').filter((l) => l.startsWith('traefik_entrypoint_requests_total')).join('\n')}`);
      assert.match(text, /^traefik_config_reloads_total 1$/m, 'reloads are what each worker did alike, not summed');
    }
  });

  it('the compress cache metrics add up both workers\' caches: two misses per worker for the same page, the rest hits', async () => {
    const page = '<p>the same page</p>\n'.repeat(200);
    const backend = await startBackend('app', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
      res.end(page);
    });
    backends.push(backend);
    const [web, metricsPort] = [await freePort(), await freePort()];
    const { workers } = await startWorkers([
      'http:',
      '  middlewares:',
      '    squeeze: { compress: {} }',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
      '  routers:',
      '    app: { rule: "PathPrefix(`/`)", service: app, entryPoints: [web], middlewares: [squeeze] }',
    ], { web, metrics: metricsPort }, 'metrics:\n  prometheus:\n    entryPoint: metrics');
    const answers = await freshOverBothWorkers(web, workers, 40, { 'accept-encoding': 'gzip' });
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(new Set(answers.map((a) => a.worker)).size, 2, `connections reached both workers: ${JSON.stringify(answers.map((a) => a.worker))}`);
    // A 4 kB body is compressed on the event loop, so each worker's first two requests compress it (the second
    // keeps it) before its next one looks: per worker, min(n, 2) misses and the rest hits.
    const perWorker = [...new Set(answers.map((a) => a.worker))].map((w) => answers.filter((a) => a.worker === w).length);
    const misses = perWorker.reduce((sum, n) => sum + Math.min(n, 2), 0);
    const kept = perWorker.filter((n) => n >= 2).length;
    for (let scrape = 0; scrape < 4; scrape++) {
      const text = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, { fresh: true })).body;
      const value = (name: string): string | undefined => new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1];
      const shown = text.split('\n').filter((l) => l.startsWith('pe_edge_compress_cache_')).join('\n');
      assert.equal(value('pe_edge_compress_cache_misses_total'), String(misses), `scrape ${scrape + 1}: each worker compressed the page twice (${JSON.stringify(perWorker)}):\n${shown}`);
      assert.equal(value('pe_edge_compress_cache_hits_total'), String(answers.length - misses), `scrape ${scrape + 1}: every other request, on either worker, was a hit:\n${shown}`);
      assert.equal(value('pe_edge_compress_cache_entries'), String(kept), `scrape ${scrape + 1}: one entry in each worker's cache`);
      assert.equal(value('pe_edge_compress_cache_max_bytes'), String(2 * 8 * 1024 * 1024), `scrape ${scrape + 1}: both workers' budgets`);
    }
  });

  it('says, once per worker, that a circuitBreaker a router uses measures per process', async () => {
    const web = await freePort();
    const { proc } = await startWorkers([
      'http:',
      '  middlewares:',
      '    breaker: { circuitBreaker: { expression: "NetworkErrorRatio() > 0.5" } }',
      '    unused: { circuitBreaker: { expression: "NetworkErrorRatio() > 0.9" } }',
      '  services:',
      '    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } }',
      '  routers:',
      '    app: { rule: "PathPrefix(`/`)", service: app, middlewares: [breaker] }',
    ], { web });
    const warning = 'middleware "breaker@file": circuitBreaker with --workers=2 is per process: each worker measures and trips on its own share of the traffic';
    await proc.waitFor(() => proc.messages('warn').filter((m) => m === warning).length === 2, 10_000, 'the warning from both workers');
    assert.deepEqual(proc.messages('warn').filter((m) => m.includes('unused@file')), [], 'a middleware no router uses is not reported');
  });

  it("the dashboard's charts count the requests of both workers, whichever answers the poll", async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const [web, traefik] = [await freePort(), await freePort()];
    const { workers } = await startWorkers(oneRouter(backend.url), { web, traefik }, 'api:\n  insecure: true\n  dashboard: true');
    await fortyOverBothWorkers(web, workers);
    for (let poll = 0; poll < 4; poll++) {
      const body = (await httpGet(`http://127.0.0.1:${traefik}/api/pe-edge/timeseries`, { fresh: true })).body;
      const window = JSON.parse(body) as { routers: Record<string, { requests: number[] }> };
      const requests = (window.routers['app@file']?.requests ?? []).reduce((a, b) => a + b, 0);
      assert.equal(requests, 40, `poll ${poll + 1}: both workers' requests`);
    }
  });
});
