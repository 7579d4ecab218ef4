import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { freePort } from '../../support/tls-clients.js';
import { connectPlain, firstData, tcpInput } from '../../support/tcp-backends.js';

// A real Redis (Debian's redis-server) behind a HostSNI(`*`) router on its own entrypoint, spoken to in RESP.

const REDIS = '/usr/bin/redis-server';

/** Starts redis-server on a free loopback port, without persistence; resolves once it accepts connections. */
async function startRedis(t: { after: (fn: () => void) => void }): Promise<number> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pe-redis-'));
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    try {
      const probe = await connectPlain(port);
      probe.destroy();
      return port;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
}

if (!existsSync(REDIS) && process.env['CI'] === 'true') {
  test('a real Redis through a TCP router: redis-server is required in CI', () => {
    assert.fail(`${REDIS} is missing: .ci/run installs redis-server`);
  });
} else if (!existsSync(REDIS)) {
  console.warn(`\n!!! SKIPPING the Redis TCP test: ${REDIS} is missing (apt-get install redis-server). It runs in CI.\n`);
  test('a real Redis through a TCP router', { skip: `SKIPPED LOUDLY: ${REDIS} is missing` }, () => undefined);
} else {
  test('a real Redis through a TCP router: PING, SET and GET in RESP reach it and its answers come back', async (t) => {
    const redisPort = await startRedis(t);
    const input = {
      ...buildInput({ entryPoints: { redis: { address: '127.0.0.1:0' } } }),
      tcp: tcpInput({
        routers: { 'cache@docker': { rule: 'HostSNI(`*`)', service: 'cache', entryPoints: ['redis'] } },
        services: { 'cache@docker': { loadBalancer: { servers: [{ address: `127.0.0.1:${redisPort}`, tls: false }] } } },
      }),
    };
    const proxy = await startProxy(input);
    t.after(() => proxy.close(0));
    const client = await connectPlain(proxy.port('redis'));
    t.after(() => client.destroy());
    client.write('*1\r\n$4\r\nPING\r\n');
    assert.equal(await firstData(client), '+PONG\r\n');
    client.write('*3\r\n$3\r\nSET\r\n$5\r\nedge1\r\n$7\r\npe-edge\r\n');
    assert.equal(await firstData(client), '+OK\r\n');
    client.write('*2\r\n$3\r\nGET\r\n$5\r\nedge1\r\n');
    assert.equal(await firstData(client), '$7\r\npe-edge\r\n');
  });
}
