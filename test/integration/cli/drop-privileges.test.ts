// In the image pe-edge starts as root only to join the Docker socket's group, whatever its number on the host,
// then runs as PE_EDGE_USER: a plain `docker-compose up -d` reaches the engine with no DOCKER_GID to set.
// Run as root (CI is): a socket owned by group 4242 stands in for a host whose docker group is not 999.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { CLI_MAIN, CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';

const SOCKET_GROUP = 4242;
const isRoot = process.getuid?.() === 0;

function statusField(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim() ?? '';
}

describe('PE_EDGE_USER: root joins the Docker socket group, then drops to the user', { skip: isRoot ? false : 'needs root, as the image starts' }, () => {
  const dirs: TempConfigDir[] = [];
  const procs: CliProcess[] = [];
  const servers: net.Server[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    servers.forEach((s) => s.close());
    dirs.forEach((d) => d.remove());
  });

  it('runs as nobody with the socket group added, and connects to the socket as that user', async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    // The user must be able to reach the socket through its folder, as /var/run is.
    chmodSync(dir.path, 0o755);
    let connections = 0;
    const engine = net.createServer((socket) => {
      connections++;
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n');
    });
    servers.push(engine);
    const socketPath = dir.file('docker.sock');
    await new Promise<void>((resolve) => engine.listen(socketPath, resolve));
    chownSync(socketPath, 0, SOCKET_GROUP);
    chmodSync(socketPath, 0o660);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: await freePort() }, extra: `providers:\n  docker:\n    endpoint: unix://${socketPath}` }));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, env: { PE_EDGE_USER: 'nobody' } });
    procs.push(proc);
    await proc.waitFor(() => proc.messages('info').includes('running as an unprivileged user, in the Docker socket\'s group'), 10_000, 'the drop');
    const pid = proc.pid ?? 0;
    const nobody = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))?.split(':')[2];
    assert.equal(statusField(pid, 'Uid').split(/\s+/)[0], nobody, 'real uid is nobody');
    assert.equal(new Set(statusField(pid, 'Uid').split(/\s+/)).size, 1, 'real, effective, saved and fs uid all dropped');
    assert.ok(statusField(pid, 'Groups').split(/\s+/).includes(String(SOCKET_GROUP)), `in the socket's group: ${statusField(pid, 'Groups')}`);
    await proc.waitFor(() => connections > 0, 10_000, 'a connection to the socket from the unprivileged process');
  });

  it('joins the socket\'s group of providers.swarm when there is no providers.docker (a stack\'s pe-edge)', async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    chmodSync(dir.path, 0o755);
    const engine = net.createServer((socket) => socket.destroy());
    servers.push(engine);
    const socketPath = dir.file('manager.sock');
    await new Promise<void>((resolve) => engine.listen(socketPath, resolve));
    chownSync(socketPath, 0, SOCKET_GROUP);
    chmodSync(socketPath, 0o660);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: await freePort() }, extra: `providers:\n  swarm:\n    endpoint: unix://${socketPath}` }));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, env: { PE_EDGE_USER: 'nobody' } });
    procs.push(proc);
    await proc.waitFor(() => proc.messages('info').includes('running as an unprivileged user, in the Docker socket\'s group'), 10_000, 'the drop');
    assert.ok(statusField(proc.pid ?? 0, 'Groups').split(/\s+/).includes(String(SOCKET_GROUP)), `in the socket's group: ${statusField(proc.pid ?? 0, 'Groups')}`);
  });

  it('refuses to start, naming the user, when the user does not exist', async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: await freePort() } }));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, env: { PE_EDGE_USER: 'no-such-user' } });
    procs.push(proc);
    const exit = await proc.waitExit(10_000);
    assert.equal(exit.code, 1);
    assert.match(proc.stderr.join('\n'), /PE_EDGE_USER=no-such-user: no such user in \/etc\/passwd/);
  });

  it('without the SETUID/SETGID capabilities (cap_drop: ALL), refuses to start saying what to add', { skip: existsSync('/usr/bin/setpriv') ? false : 'setpriv (util-linux) is not installed' }, async () => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: await freePort() } }));
    // root's uid without the right to change it, as a container started with cap_drop: ALL.
    const child = spawnSync('/usr/bin/setpriv', ['--bounding-set=-setuid,-setgid', process.execPath, CLI_MAIN, '--configFile=traefik.yml'], {
      cwd: dir.path,
      env: { PATH: process.env.PATH, HOME: dir.path, PE_EDGE_USER: 'nobody' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(child.status, 1);
    assert.match(child.stderr, /PE_EDGE_USER=nobody: cannot become that user \(EPERM.*cap_add: \[SETUID, SETGID\]/);
  });
});

