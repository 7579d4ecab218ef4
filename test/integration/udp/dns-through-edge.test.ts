// A real DNS server (Debian's dnsmasq) behind a UDP entrypoint, asked by a real resolver client (dig).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { EdgeProxy } from '../../../proxy/index.js';
import { buildInput, entryPointOptions } from '../../support/proxy-fixture.js';
import { freeUdpPort } from '../../support/udp-peers.js';

const DNSMASQ = '/usr/sbin/dnsmasq';
const DIG = '/usr/bin/dig';
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const missing = [DNSMASQ, DIG].filter((p) => !existsSync(p));
const skip = missing.length === 0 ? false : `needs Debian's dnsmasq and dnsutils (apt-get install -y dnsmasq-base dnsutils); missing: ${missing.join(', ')}`;

test('a DNS query by dig reaches dnsmasq through pe-edge\'s UDP entrypoint and the answer comes back', { skip: inCi ? false : skip }, async (t) => {
  assert.equal(missing.length, 0, `CI is set: ${String(skip)}`);
  const dnsPort = await freeUdpPort();
  const dnsmasq = spawn(DNSMASQ, [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=',
    `--port=${dnsPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--address=/app.pe-edge.test/10.20.30.40',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  dnsmasq.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => dnsmasq.kill('SIGTERM'));

  const input = {
    ...buildInput({ entryPoints: { dns: { address: '127.0.0.1:0/udp' } } }),
    udp: {
      routers: { 'dns@file': { service: 'dnsmasq' } },
      services: { 'dnsmasq@file': { loadBalancer: { servers: [{ address: `127.0.0.1:${dnsPort}` }] } } },
    },
  };
  const proxy = new EdgeProxy([entryPointOptions('dns', '127.0.0.1:0/udp')], input);
  await proxy.listen();
  t.after(() => proxy.close(0));

  const dig = async (): Promise<string> => {
    const { stdout } = await promisify(execFile)(DIG, ['@127.0.0.1', '-p', String(proxy.port('dns')), 'app.pe-edge.test', 'A', '+short', '+tries=1', '+time=1']);
    return stdout.trim();
  };
  // dnsmasq may need a moment to bind: dig retries are cheap.
  let answer = '';
  for (let i = 0; i < 20 && answer === ''; i++) {
    answer = await dig().catch(() => '');
    if (answer === '') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(answer, '10.20.30.40', `dnsmasq stderr: ${stderr}`);
});
