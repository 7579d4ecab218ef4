// A Docker provider that cannot reach its engine is visible: /ping stays 200 for load balancers, but the metric,
// the dashboard's problems, `pe-edge healthcheck` and `pe-edge check --docker` say so, with what to do about it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

describe('Docker provider, engine unreachable', () => {
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    dirs.forEach((d) => d.remove());
  });

  async function setup(endpoint: string): Promise<{ dir: TempConfigDir; web: number; metrics: number; traefik: number }> {
    const dir = new TempConfigDir();
    dirs.push(dir);
    const [web, metrics, traefik] = [await freePort(), await freePort(), await freePort()];
    dir.write('traefik.yml', staticYaml({
      entryPoints: { web, metrics, traefik },
      ping: 'web',
      extra: [`providers:\n  docker:\n    endpoint: ${endpoint}`, 'metrics:\n  prometheus:\n    entryPoint: metrics', 'api:\n  insecure: true'].join('\n'),
    }));
    return { dir, web, metrics, traefik };
  }

  it('no socket: /ping 200, pe_edge_provider_up 0, the dashboard lists the error with its fix, healthcheck fails saying it', async () => {
    const { dir, web, metrics, traefik } = await setup(`unix://${'/nonexistent-pe-edge/docker.sock'}`);
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    procs.push(proc);
    await proc.waitFor(() => proc.messages('info').includes('entrypoint listening'), 15_000, 'listening');
    assert.equal((await httpGet(`http://127.0.0.1:${web}/ping`)).status, 200, '/ping stays up for load balancers');
    const asked = await fetch(`http://127.0.0.1:${web}/ping`, { headers: { 'x-pe-edge-healthcheck': '1' } });
    assert.equal(asked.status, 503, 'the running edge tells pe-edge healthcheck');
    assert.match(await asked.text(), /^Docker provider: Docker engine unreachable/);
    assert.match((await httpGet(`http://127.0.0.1:${metrics}/metrics`)).body, /^pe_edge_provider_up\{provider="docker"\} 0$/m);
    const changes = JSON.parse((await httpGet(`http://127.0.0.1:${traefik}/api/pe-edge/changes`)).body) as { problems: { message: string }[] };
    assert.ok(changes.problems.some((p) => p.message.includes('Docker engine unreachable') && p.message.includes('No socket at /nonexistent-pe-edge/docker.sock: mount it')), JSON.stringify(changes.problems));
    assert.ok(proc.messages('error').some((m) => m.includes('No socket at /nonexistent-pe-edge/docker.sock')), 'the log line says what to do');
    const health = await runCli(['healthcheck', '--configFile=traefik.yml'], { cwd: dir.path });
    assert.equal(health.code, 1, 'docker ps shows the edge unhealthy');
    assert.match(health.stdout.join('\n'), /^Bad healthcheck status: 503: Docker provider: Docker engine unreachable at unix:\/\/\/nonexistent-pe-edge\/docker\.sock: .*No socket at/m);
  });

  it('pe-edge check --docker names the fix', async () => {
    const { dir } = await setup('unix:///nonexistent-pe-edge/docker.sock');
    const checked = await runCli(['check', '--docker', '--configFile=traefik.yml'], { cwd: dir.path });
    assert.notEqual(checked.code, 0);
    assert.match([...checked.stdout, ...checked.stderr].join('\n'), /Docker engine unreachable at unix:\/\/\/nonexistent-pe-edge\/docker\.sock: .*No socket at \/nonexistent-pe-edge\/docker\.sock: mount it/);
  });

  it('a reachable engine: pe_edge_provider_up 1 and healthcheck OK', { skip: existsSync('/var/run/docker.sock') || process.env.CI === 'true' ? false : 'no Docker engine on this machine' }, async () => {
    const { dir, web, metrics } = await setup('unix:///var/run/docker.sock');
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    procs.push(proc);
    await proc.waitFor(() => proc.messages('info').includes('entrypoint listening'), 15_000, 'listening');
    assert.equal((await httpGet(`http://127.0.0.1:${web}/ping`)).status, 200);
    assert.match((await httpGet(`http://127.0.0.1:${metrics}/metrics`)).body, /^pe_edge_provider_up\{provider="docker"\} 1$/m);
    const health = await runCli(['healthcheck', '--configFile=traefik.yml'], { cwd: dir.path });
    assert.equal(health.code, 0, health.stdout.join('\n'));
  });
});
