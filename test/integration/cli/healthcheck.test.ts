// `pe-edge healthcheck` as Docker's HEALTHCHECK runs it: HEAD /ping on the ping entrypoint.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';

describe('pe-edge healthcheck', () => {
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    dirs.forEach((d) => d.remove());
  });

  it('exits 0 with "OK: http://.../ping" while the proxy runs with ping on web, 1 once nothing listens', async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    const port = await freePort();
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: port }, ping: 'web' }));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    procs.push(proc);
    await proc.waitListening(1);

    const healthy = await runCli(['healthcheck', '--configFile=traefik.yml'], { cwd: dir.path });
    assert.equal(healthy.code, 0, healthy.stdout.join('\n'));
    assert.deepEqual(healthy.stdout, [`OK: http://127.0.0.1:${port}/ping`]);

    proc.signal('SIGTERM');
    assert.equal((await proc.waitExit(5000)).code, 0);
    const down = await runCli(['healthcheck', '--configFile=traefik.yml'], { cwd: dir.path });
    assert.equal(down.code, 1);
    assert.match(down.stdout.join('\n'), /^Error calling healthcheck: .*ECONNREFUSED/);
  });

  it('without ping configured it exits 1 asking to enable ping', async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: await freePort() } }));
    const res = await runCli(['healthcheck', '--configFile=traefik.yml'], { cwd: dir.path });
    assert.equal(res.code, 1);
    assert.deepEqual(res.stdout, ['Error calling healthcheck: please enable `ping` to use health check']);
  });
});
