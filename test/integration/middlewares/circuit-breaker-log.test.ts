// A running pe-edge says when a circuit breaker changes state: tripped, recovering, back to standby, one log
// line each (not one per request), naming the router and the middleware.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBackend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

test('a breaker that trips and recovers logs tripped, recovering and standby once each, with router and middleware', { timeout: 30_000 }, async (t) => {
  let failing = true;
  const backend = await startBackend('app', (_req, res) => {
    res.statusCode = failing ? 500 : 200;
    res.end(failing ? 'down' : 'up');
  });
  const dir = new TempConfigDir();
  const port = await freePort();
  const dynamicFile = dir.write('dynamic.yml', [
    'http:',
    '  routers:',
    '    shop:',
    '      rule: "PathPrefix(`/`)"',
    '      service: app',
    '      middlewares: [guard]',
    '  middlewares:',
    '    guard:',
    '      circuitBreaker:',
    '        expression: "ResponseCodeRatio(500, 600, 0, 600) > 0.5"',
    '        fallbackDuration: 600ms',
    '        recoveryDuration: 300ms',
    '  services:',
    '    app:',
    '      loadBalancer:',
    '        servers:',
    `          - url: ${backend.url}`,
    '',
  ].join('\n'));
  dir.write('traefik.yml', staticYaml({ entryPoints: { web: port }, dynamicFile }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  t.after(async () => {
    await proc.stop();
    await backend.close();
    dir.remove();
  });
  await proc.waitListening(1);
  const url = `http://127.0.0.1:${port}/`;

  assert.equal((await httpGet(url)).status, 500, 'the failing answer goes through once, and trips the breaker');
  const statuses: number[] = [];
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    statuses.push((await httpGet(url)).status);
    if (statuses.length === 5) failing = false; // the app heals while the breaker answers for it
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(statuses.includes(503) && statuses.at(-1) === 200, `fallback answers, then the app again: ${statuses.join(',')}`);

  const lines = proc.logs().filter((r) => String(r.message).startsWith('circuit breaker'));
  assert.deepEqual(lines.map((r) => [r.level, r.to]), [['warn', 'tripped'], ['info', 'recovering'], ['info', 'standby']], JSON.stringify(lines));
  for (const r of lines) {
    assert.equal(r.router, 'shop@file');
    assert.equal(r.middleware, 'guard@file');
    assert.ok(String(r.message).includes('"guard@file" on router "shop@file"'), String(r.message));
  }
});
