// `pe-edge` as a user runs it with a UDP entrypoint: traefik.yml's `/udp` address and udp.timeout, a file provider's
// `udp` section, a reload through the watched file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliProcess, TempConfigDir } from '../../support/cli-process.js';
import { freeUdpPort, startUdpEcho, udpClient } from '../../support/udp-peers.js';

const dynamicYaml = (address: string): string => [
  'udp:',
  '  routers:',
  '    dns:',
  '      entryPoints: [dns]',
  '      service: dns',
  '  services:',
  '    dns:',
  '      loadBalancer:',
  '        servers:',
  `          - address: "${address}"`,
  '',
].join('\n');

test('pe-edge serves a file provider\'s UDP router on a `/udp` entrypoint; a reload keeps the live session until udp.timeout', async (t) => {
  const [a, b] = await Promise.all([startUdpEcho('a'), startUdpEcho('b')]);
  const dir = new TempConfigDir();
  const port = await freeUdpPort();
  const dynamicFile = dir.write('dynamic.yml', dynamicYaml(a.address));
  dir.write('traefik.yml', [
    'entryPoints:',
    '  dns:',
    `    address: "127.0.0.1:${port}/udp"`,
    '    udp:',
    '      timeout: 1s',
    'providers:',
    '  file:',
    `    filename: ${JSON.stringify(dynamicFile)}`,
    '    watch: true',
    'log:',
    '  level: INFO',
    '  format: json',
    '',
  ].join('\n'));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  const client = await udpClient(port);
  t.after(async () => {
    client.close();
    await proc.stop();
    await Promise.all([a.close(), b.close()]);
    dir.remove();
  });
  await proc.waitListening(1);
  const warnings = proc.messages('warn').concat(proc.messages('error'));
  assert.deepEqual(warnings.filter((m) => /udp/i.test(m)), [], 'no UDP key or item is reported as not implemented');
  assert.equal((await client.ask('first'))?.toString(), 'a:first');

  const applied = proc.messages().filter((m) => m === 'configuration applied').length;
  dir.write('dynamic.yml', dynamicYaml(b.address));
  // Datagrams every 200 ms while the reload lands: the session opened before it keeps its server.
  while (proc.messages().filter((m) => m === 'configuration applied').length === applied) {
    assert.equal((await client.ask('during'))?.toString(), 'a:during');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((await client.ask('after the reload'))?.toString(), 'a:after the reload');
  // udp.timeout (1s) without a datagram ends the session; the next one follows the new configuration.
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal((await client.ask('new session'))?.toString(), 'b:new session');
});
