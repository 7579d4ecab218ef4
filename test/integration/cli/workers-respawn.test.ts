// `pe-edge --workers=2` when one worker dies: after start it is replaced and the edge keeps serving (its limits,
// metrics, signals and TLS keys with it); at start, or dying again and again, the edge stops with exit 1.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';
import { childPids, connectionOwner, releasedSockets } from '../../support/socket-owner.js';
import { certificateFor } from '../../support/tcp-backends.js';
import { tlsResume, tlsTicket } from '../../support/tls-resumption.js';
import { nodeWithReusePort, reusePortNodeSkip } from '../../support/image-node.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One GET on a fresh connection: its status, or 0 when it failed. */
function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

describe('pe-edge --workers=2, a worker dying', () => {
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  const backends: Backend[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(backends.map((b) => b.close()));
    dirs.forEach((d) => d.remove());
  });

  // The primary's word that a worker serves: from then on its death is a crash, not a failed start.
  const serving = (proc: CliProcess): number => proc.messages('info').filter((m) => /^worker \d+ \(pid \d+\) serving$/.test(m)).length;

  /** Starts pe-edge with two workers and waits until both listen on every entrypoint; returns their pids. */
  /** A dynamic configuration routing every path to the one server at `url`. */
  const routeTo = (url: string): string[] => [
    'http:',
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${url}" }] } }`,
    '  routers:',
    '    app: { rule: "PathPrefix(`/`)", service: app }',
  ];

  async function startWorkers(dynamic: string[], entryPoints: Record<string, number>, opts: { extra?: string; env?: NodeJS.ProcessEnv; watch?: boolean; node?: string } = {}): Promise<{ proc: CliProcess; workers: number[]; dir: TempConfigDir }> {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('dynamic.yml', dynamic.join('\n'));
    let yaml = staticYaml({ entryPoints, dynamicFile: dir.file('dynamic.yml'), ...(opts.extra !== undefined ? { extra: opts.extra } : {}) });
    if (opts.watch === false) yaml = yaml.replace('watch: true', 'watch: false');
    dir.write('traefik.yml', yaml);
    const proc = new CliProcess(['--configFile=traefik.yml', '--workers=2', '--log.format=json'], { cwd: dir.path, ...(opts.env !== undefined ? { env: opts.env } : {}), ...(opts.node !== undefined ? { node: opts.node } : {}) });
    procs.push(proc);
    await proc.waitFor(() => serving(proc) === 2, 30_000, 'both workers serving');
    const workers = childPids(proc.pid ?? 0);
    assert.equal(workers.length, 2, 'two worker processes');
    return { proc, workers, dir };
  }

  /** Kills `pid` with SIGKILL and waits until its replacement serves; returns the workers' pids then. */
  async function killAndAwaitReplacement(proc: CliProcess, pid: number): Promise<number[]> {
    const before = serving(proc);
    process.kill(pid, 'SIGKILL');
    await proc.waitFor(() => serving(proc) === before + 1, 30_000, `a replacement for worker ${pid} serving`);
    const workers = childPids(proc.pid ?? 0);
    assert.equal(workers.length, 2, `two worker processes again: ${JSON.stringify(workers)}`);
    assert.ok(!workers.includes(pid), 'the killed worker is gone');
    return workers;
  }

  /** On `node` (default: the tests'): on node 22.12+ the killed worker's own listening socket goes with it. */
  const killedWorkerIsReplaced = async (node?: string): Promise<void> => {
    const held: http.ServerResponse[] = [];
    const backend = await startBackend('app', (req, res) => {
      if (req.url === '/slow') held.push(res);
      else res.end('app');
    });
    backends.push(backend);
    const [web, metricsPort] = [await freePort(), await freePort()];
    const { proc, workers } = await startWorkers([
      'http:',
      '  middlewares:',
      '    gate: { inFlightReq: { amount: 1 } }',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
      '  routers:',
      '    slow: { rule: "PathPrefix(`/slow`)", service: app, entryPoints: [web], middlewares: [gate] }',
      '    app: { rule: "PathPrefix(`/`)", service: app, entryPoints: [web] }',
    ], { web, metrics: metricsPort }, { extra: 'metrics:\n  prometheus:\n    entryPoint: metrics', ...(node !== undefined ? { node } : {}) });

    // A request holding the one slot, on a connection whose worker is found from /proc.
    let clientPort = 0;
    const holding = new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: web, path: '/slow', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('socket', (socket) => socket.on('connect', () => (clientPort = socket.localPort ?? 0)));
      req.on('error', () => resolve(0));
    });
    for (let i = 0; i < 500 && held.length === 0; i++) await sleep(10);
    assert.equal(held.length, 1, 'the slow request reached the backend');
    const victim = connectionOwner(web, clientPort, workers);
    assert.ok(victim !== undefined, 'the worker holding the slow request');
    const survivor = workers.find((w) => w !== victim) ?? 0;
    assert.equal(await getStatus(web, '/slow'), 429, 'the slot is taken, whichever worker asks');

    // A client requesting all along, each request on a fresh connection.
    const outcomes: { at: number; status: number }[] = [];
    let requesting = true;
    const client = (async () => {
      while (requesting) {
        const at = performance.now();
        outcomes.push({ at, status: await getStatus(web, '/') });
        await sleep(20);
      }
    })();
    await sleep(200);
    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    assert.equal(await holding, 0, 'the request in flight on the killed worker failed');
    // A connection the kernel gave the killed worker's listening socket before its exit closed it is lost, as the
    // request in flight: the scrapes begin once it let go of its sockets (CI saw the first one fail in that window).
    for (let i = 0; i < 200 && !releasedSockets(victim); i++) await sleep(10);
    // Scrapes while the replacement starts and after: each answers, with the metrics of the workers serving.
    const scrapes: number[] = [];
    while (serving(proc) < 3 && scrapes.length < 60) {
      scrapes.push((await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, { fresh: true, timeoutMs: 8000 }).catch(() => ({ status: 0 }))).status);
      await sleep(100);
    }
    await proc.waitFor(() => serving(proc) === 3, 30_000, 'the replacement serving');
    await sleep(500);
    requesting = false;
    await client;
    const workersNow = childPids(proc.pid ?? 0);
    assert.equal(workersNow.length, 2, `two workers again: ${JSON.stringify(workersNow)}`);
    assert.ok(workersNow.includes(survivor) && !workersNow.includes(victim), `the survivor stays, the killed one is replaced: ${JSON.stringify(workersNow)}`);
    const replacement = workersNow.find((w) => w !== survivor) ?? 0;
    assert.ok(proc.logs().some((r) => r.level === 'error' && typeof r.message === 'string' && new RegExp(`^worker [01] \\(pid ${victim}\\) died \\(signal SIGKILL\\); starting a replacement$`).test(r.message)), `the primary said which worker died and how:\n${proc.output()}`);
    assert.equal(proc.exit, undefined, 'pe-edge still runs');

    // Connections the killed worker had accepted may fail; every request begun after it was gone was answered.
    const late = outcomes.filter((o) => o.at > killedAt + 100);
    assert.ok(late.length > 10, `requests went on: ${late.length}`);
    assert.deepEqual(late.filter((o) => o.status !== 200), [], 'every request after the kill answered 200');
    assert.ok(scrapes.length > 0 && scrapes.every((s) => s === 200), `every scrape answered 200: ${JSON.stringify(scrapes)}`);
    assert.equal((await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, { fresh: true })).status, 200, 'a scrape with the replacement serving');

    // The slot the killed worker held is free: one slow request at a time is admitted again, on either worker.
    const owners: (number | undefined)[] = [];
    for (let round = 0; round < 6; round++) {
      const before: number = held.length;
      let port = 0;
      const slow = new Promise<number>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: web, path: '/slow', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('socket', (socket) => socket.on('connect', () => (port = socket.localPort ?? 0)));
        req.on('error', () => resolve(0));
      });
      for (let i = 0; i < 300 && held.length === before; i++) await sleep(10);
      owners.push(connectionOwner(web, port, workersNow));
      if (held.length === before) assert.fail(`round ${round + 1}: the slow request was not admitted (status ${await slow}) on worker ${owners.at(-1)} (replacement ${replacement})`);
      held.at(-1)?.end('slow');
      assert.equal(await slow, 200);
    }
  };

  it('a worker killed with SIGKILL is replaced: the edge keeps answering, /metrics too, and the inFlightReq slot its request held is free again', { timeout: 90_000 }, () => killedWorkerIsReplaced());

  it('on node 22.12 and later (a listening socket per worker) too', { skip: reusePortNodeSkip(), timeout: 90_000 }, () => killedWorkerIsReplaced(nodeWithReusePort() ?? undefined));

  it('a worker that fails at start stops pe-edge with exit 1 and its message, not a restart loop', { timeout: 60_000 }, async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: await freePort() } }));
    // Checked by each worker as it starts (serve.ts), not by the primary.
    const { code, stdout, stderr } = await runCli(['--configFile=traefik.yml', '--workers=2'], { cwd: dir.path, env: { PE_EDGE_ACME_RETRY_BASE: 'soon' }, timeoutMs: 30_000 });
    assert.equal(code, 1);
    assert.match(stderr.join('\n'), /PE_EDGE_ACME_RETRY_BASE/);
    assert.match(stdout.join('\n'), /worker [01] \(pid \d+\) exited before its entrypoints listened \(code 1\); stopping pe-edge/);
    assert.doesNotMatch(stdout.join('\n'), /replacement/);
  });

  it('workers dying again and again (5 within a minute) stop pe-edge with exit 1, saying it is a crash loop', { timeout: 120_000 }, async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { proc } = await startWorkers(routeTo(backend.url), { web });
    for (let death = 1; death <= 4; death++) {
      const [pid] = childPids(proc.pid ?? 0);
      await killAndAwaitReplacement(proc, pid ?? 0);
      assert.equal(await getStatus(web, '/'), 200, `serving after death ${death}`);
    }
    const [fifth] = childPids(proc.pid ?? 0);
    process.kill(fifth ?? 0, 'SIGKILL');
    const exit = await proc.waitExit(20_000);
    assert.equal(exit.code, 1);
    assert.match(proc.stdout.join('\n'), new RegExp(`worker [01] \\(pid ${fifth}\\) died \\(signal SIGKILL\\): 5 worker deaths within 60 s, a crash loop; stopping pe-edge`));
  });

  it('a replacement killed before it serves is replaced in turn (one more death toward the crash loop), not taken for a failed start', { timeout: 90_000 }, async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { proc, workers } = await startWorkers(routeTo(backend.url), { web });
    const [victim, survivor] = workers;
    process.kill(victim ?? 0, 'SIGKILL');
    await proc.waitFor(() => childPids(proc.pid ?? 0).some((pid) => !workers.includes(pid)), 10_000, 'the replacement forked');
    const replacement = childPids(proc.pid ?? 0).find((pid) => !workers.includes(pid)) ?? 0;
    process.kill(replacement, 'SIGKILL');
    await proc.waitFor(() => serving(proc) === 3, 30_000, 'a second replacement serving');
    assert.equal(proc.exit, undefined, 'pe-edge still runs');
    const now = childPids(proc.pid ?? 0);
    assert.equal(now.length, 2, `two workers: ${JSON.stringify(now)}`);
    assert.ok(now.includes(survivor ?? 0) && !now.includes(replacement), 'the survivor and a new replacement');
    assert.equal(await getStatus(web, '/'), 200);
  });

  it('SIGHUP while a replacement starts neither kills it nor is lost, and SIGHUP reloads reach the replacement', { timeout: 90_000 }, async () => {
    const backend = await startBackend('app');
    const other = await startBackend('other');
    backends.push(backend, other);
    const web = await freePort();
    const { proc, workers, dir } = await startWorkers(routeTo(backend.url), { web }, { watch: false });
    const [victim] = workers;
    process.kill(victim ?? 0, 'SIGKILL');
    // As soon as the replacement is forked, before it can have its handlers: SIGHUP and SIGUSR1 to the primary.
    await proc.waitFor(() => childPids(proc.pid ?? 0).some((pid) => !workers.includes(pid)), 10_000, 'the replacement forked');
    proc.signal('SIGHUP');
    proc.signal('SIGUSR1');
    await proc.waitFor(() => serving(proc) === 3, 30_000, 'the replacement serving');
    await sleep(300);
    assert.equal(proc.exit, undefined, 'pe-edge still runs');
    assert.equal(childPids(proc.pid ?? 0).length, 2);
    // A reload after it: both workers, the replacement too, route to the new server (the file is not watched).
    dir.write('dynamic.yml', routeTo(other.url).join('\n'));
    proc.signal('SIGHUP');
    await sleep(1000);
    const now = childPids(proc.pid ?? 0);
    const bodies: { body: string; worker: number | undefined }[] = [];
    for (let wave = 0; wave < 5 && new Set(bodies.map((b) => b.worker)).size < 2; wave++) {
      bodies.push(...await Promise.all(Array.from({ length: 20 }, () => new Promise<{ body: string; worker: number | undefined }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: web, path: '/', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ body, worker: connectionOwner(web, res.socket.localPort ?? 0, now) }));
        });
        req.on('error', reject);
      }))));
    }
    assert.equal(new Set(bodies.map((b) => b.worker)).size, 2, `both workers answered: ${JSON.stringify(bodies.map((b) => b.worker))}`);
    assert.deepEqual([...new Set(bodies.map((b) => b.body))], ['other'], 'every worker reloaded');
  });

  it('SIGTERM while a replacement starts stops every worker, exit 0', { timeout: 60_000 }, async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const web = await freePort();
    const { proc, workers } = await startWorkers(routeTo(backend.url), { web });
    process.kill(workers[0] ?? 0, 'SIGKILL');
    await proc.waitFor(() => childPids(proc.pid ?? 0).some((pid) => !workers.includes(pid)), 10_000, 'the replacement forked');
    const forked = childPids(proc.pid ?? 0);
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(15_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    for (const pid of forked) assert.throws(() => process.kill(pid, 0), `worker ${pid} is gone`);
  });

  it('a replacement resumes TLS sessions the other worker issued: it took the current session-ticket key', { timeout: 60_000 }, async () => {
    const backend = await startBackend('app');
    backends.push(backend);
    const websecure = await freePort();
    const { cert, key } = certificateFor('resume.test');
    const keys = new TempConfigDir();
    dirs.push(keys);
    keys.write('cert.pem', cert);
    keys.write('key.pem', key);
    const { proc, workers } = await startWorkers([
      'tls:',
      `  certificates: [{ certFile: ${JSON.stringify(keys.file('cert.pem'))}, keyFile: ${JSON.stringify(keys.file('key.pem'))} }]`,
      'http:',
      '  services:',
      `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
      '  routers:',
      '    app: { rule: "Host(`resume.test`)", service: app, entryPoints: [websecure], tls: {} }',
    ], { websecure }, { env: { NODE_CLUSTER_SCHED_POLICY: 'rr' } });
    const ticket = await tlsTicket(websecure, 'resume.test');
    const now = await killAndAwaitReplacement(proc, workers[0] ?? 0);
    // In turn (rr): half the reconnections reach the replacement.
    const reconnections: { resumed: boolean; worker: number | undefined }[] = [];
    for (let i = 0; i < 6; i++) {
      const { resumed, socket } = await tlsResume(websecure, 'resume.test', ticket);
      reconnections.push({ resumed, worker: connectionOwner(websecure, socket.localPort ?? 0, now) });
      socket.end();
    }
    assert.equal(new Set(reconnections.map((r) => r.worker)).size, 2, `both workers: ${JSON.stringify(reconnections.map((r) => r.worker))}`);
    assert.deepEqual(reconnections.map((r) => r.resumed), [true, true, true, true, true, true]);
  });
});
