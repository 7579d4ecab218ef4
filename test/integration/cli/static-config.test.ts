// `pe-edge` run as a user runs it: a traefik.yml with a typo refuses to start and says where,
// options not implemented yet start with one warning each, and flags win over the file.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { startBackend, type Backend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';

describe('pe-edge static configuration from the command line', () => {
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  const backends: Backend[] = [];
  const tempDir = (): TempConfigDir => {
    const d = new TempConfigDir();
    dirs.push(d);
    return d;
  };
  const start = (args: string[], cwd: string): CliProcess => {
    const p = new CliProcess(args, { cwd });
    procs.push(p);
    return p;
  };
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(backends.map((b) => b.close()));
    dirs.forEach((d) => d.remove());
  });

  it('a typo key (entryPoints.web.adress) stops it with exit 1, naming file:line and suggesting "address"', async () => {
    const dir = tempDir();
    const port = await freePort();
    dir.write('traefik.yml', ['log:', '  level: INFO', 'entryPoints:', '  web:', `    adress: "127.0.0.1:${port}"`, ''].join('\n'));
    const { code, stdout, stderr } = await runCli(['--configFile=traefik.yml'], { cwd: dir.path });
    assert.equal(code, 1, `exit code; stderr:\n${stderr.join('\n')}`);
    const line = stderr.find((l) => l.includes('adress'));
    assert.ok(line !== undefined, `stderr names the bad key:\n${stderr.join('\n')}`);
    assert.match(line, /^pe-edge: traefik\.yml:5: /, 'file and line of the typo');
    assert.match(line, /did you mean "address"/);
    assert.ok(!stdout.some((l) => l.includes('entrypoint listening')), 'nothing was started');
    // and nothing listens on the port it would have used
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/`, { fresh: true, timeoutMs: 1000 }));
  });

  it('keys not implemented yet (metrics.datadog, api.debug) start with one warning per key', async () => {
    const dir = tempDir();
    const port = await freePort();
    const metricsPort = await freePort();
    const extra = [
      'metrics:',
      '  datadog:',
      '    addEntryPointsLabels: true',
      'api:',
      '  dashboard: true',
      '  debug: true',
    ].join('\n');
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: port, metrics: metricsPort }, ping: 'web', extra }));
    const proc = start(['--configFile=traefik.yml'], dir.path);
    await proc.waitListening(2);
    const warnings = proc.messages('warn');
    assert.deepEqual(warnings.filter((m) => m.includes('api.dashboard')), [], 'the dashboard is implemented');
    for (const key of ['metrics.datadog', 'api.debug']) {
      const about = warnings.filter((m) => m.includes(key));
      assert.equal(about.length, 1, `one warning for ${key}; warnings: ${JSON.stringify(warnings)}`);
      assert.match(about[0] as string, /not implemented yet/);
      assert.match(about[0] as string, /traefik\.yml:\d+: /, 'the warning says where');
    }
    const ping = await httpGet(`http://127.0.0.1:${port}/ping`);
    assert.equal(ping.status, 200);
    assert.equal(ping.body, 'OK');
  });

  it('--entryPoints.web.address on the command line wins over the file', async () => {
    const dir = tempDir();
    const filePort = await freePort();
    const flagPort = await freePort();
    const backend = await startBackend('flagged');
    backends.push(backend);
    const dynamic = dir.write(
      'dynamic.yml',
      ['http:', '  routers:', '    r:', '      rule: PathPrefix(`/`)', '      service: s', '  services:', '    s:', '      loadBalancer:', '        servers:', `          - url: ${backend.url}`, ''].join('\n'),
    );
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: filePort }, dynamicFile: dynamic }));
    const proc = start(['--configFile=traefik.yml', `--entryPoints.web.address=127.0.0.1:${flagPort}`], dir.path);
    await proc.waitListening(1);
    const listening = proc.logs().find((r) => r.message === 'entrypoint listening');
    assert.equal(listening?.address, `127.0.0.1:${flagPort}`);
    const r = await httpGet(`http://127.0.0.1:${flagPort}/x`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'flagged');
    await assert.rejects(httpGet(`http://127.0.0.1:${filePort}/x`, { fresh: true, timeoutMs: 1000 }), 'the file\'s port is not used');
  });

  it('flags alone, without any traefik.yml, run the proxy', async () => {
    const dir = tempDir(); // cwd, HOME and XDG_CONFIG_HOME: no traefik.yml anywhere
    const port = await freePort();
    const proc = start([`--entryPoints.web.address=127.0.0.1:${port}`, '--ping=true', '--ping.entryPoint=web', '--log.level=INFO', '--log.format=json'], dir.path);
    await proc.waitListening(1);
    const starting = proc.logs().find((r) => r.message === 'pe-edge starting');
    assert.equal(starting?.configFile, null, 'no configuration file was read');
    assert.deepEqual(proc.messages('error'), []);
    const ping = await httpGet(`http://127.0.0.1:${port}/ping`);
    assert.equal(ping.status, 200);
    const none = await httpGet(`http://127.0.0.1:${port}/nothing`);
    assert.equal(none.status, 404, 'no router: 404 as Traefik');
  });
});
