// SIGTERM as `docker stop` sends it: the request in flight finishes, new connections are refused,
// the process exits 0 within the entrypoint's graceTimeOut.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

const SLOW_MS = 700;
const GRACE_MS = 3000;

/** Resolves 'refused' when a TCP connect is refused, 'accepted' when it connects. */
function tryConnect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

describe('pe-edge on SIGTERM', () => {
  let dir: TempConfigDir | undefined;
  let proc: CliProcess | undefined;
  let backend: Backend | undefined;
  after(async () => {
    await proc?.stop();
    await backend?.close();
    dir?.remove();
  });

  it('finishes the slow request in flight with 200, refuses new connections, exits 0 within graceTimeOut', async () => {
    backend = await startBackend('slow', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('slow done');
      }, SLOW_MS);
    });
    dir = new TempConfigDir();
    const port = await freePort();
    const dynamic = dir.write(
      'dynamic.yml',
      ['http:', '  routers:', '    slow:', '      rule: PathPrefix(`/`)', '      service: slow', '  services:', '    slow:', '      loadBalancer:', '        servers:', `          - url: ${backend.url}`, ''].join('\n'),
    );
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: port }, dynamicFile: dynamic, graceTimeOut: `${GRACE_MS / 1000}s` }));
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(1);

    const inFlight = httpGet(`http://127.0.0.1:${port}/slow`, { fresh: true, timeoutMs: 5000 });
    const requestDone = inFlight.then(() => Date.now(), () => Date.now());
    // Wait until the backend holds the request, then stop the proxy.
    const seenBy = Date.now() + 2000;
    while (backend.seen.length === 0 && Date.now() < seenBy) await new Promise((r) => setTimeout(r, 10));
    assert.equal(backend.seen.length, 1, 'the slow request reached the backend');
    const sigtermAt = Date.now();
    proc.signal('SIGTERM');

    // New connections are refused soon after, while the slow request is still running.
    let refusedAt: number | undefined;
    while (Date.now() - sigtermAt < 1000) {
      if ((await tryConnect(port)) === 'refused') {
        refusedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(refusedAt !== undefined, 'new connections are refused within 1 s of SIGTERM');
    assert.ok(refusedAt - sigtermAt < 500, `refused ${refusedAt - sigtermAt} ms after SIGTERM`);

    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'slow done');
    assert.ok(refusedAt < (await requestDone), 'listener closed before the in-flight request ended');

    const exit = await proc.waitExit(GRACE_MS + 1000);
    const exitedAfter = Date.now() - sigtermAt;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(exitedAfter < GRACE_MS, `exited ${exitedAfter} ms after SIGTERM (graceTimeOut ${GRACE_MS} ms)`);
    assert.ok(proc.messages().includes('stopped'), proc.output());
  });
});
