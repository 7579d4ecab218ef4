// The console log (log.format common, Traefik's default) writes messages that carry names from the configuration:
// a Docker container's label keys (the engine's API accepts a key with a newline or an escape character) and a
// file's keys. Such a name must not start a line of its own, nor reach the terminal as an escape sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliProcess, freePort, TempConfigDir } from '../../support/cli-process.js';

test('log.format common: a router name with a newline and an ANSI escape is logged escaped, on the line of its error', { timeout: 30_000 }, async (t) => {
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const dynamicFile = dir.write('dynamic.yml', [
    'http:',
    '  routers:',
    '    "r\\n2026-01-01T00:00:00Z INF configuration applied cause=forged\\u001b[2J":',
    '      rulez: Host(`a.test`)',
    '      service: s',
    '',
  ].join('\n'));
  const port = await freePort();
  dir.write('traefik.yml', ['entryPoints:', '  web:', `    address: "127.0.0.1:${port}"`, 'providers:', '  file:', `    filename: ${JSON.stringify(dynamicFile)}`, 'log:', '  level: INFO', '  format: common', ''].join('\n'));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  t.after(() => proc.stop());
  await proc.waitForLine(/ INF configuration applied .*cause=file/, 15_000);

  const output = proc.stdout.join('\n');
  assert.ok(!output.includes('\x1b'), 'no escape character reaches the terminal');
  assert.deepEqual(proc.stdout.filter((l) => l.includes('cause=forged')).map((l) => l.replace(/^\S+ /, '')), [
    'ERR ' + `${dynamicFile}:4: http.routers.r\\n2026-01-01T00:00:00Z INF configuration applied cause=forged\\u001b[2J.rulez: unknown key; did you mean "rule"? provider=file`,
    'ERR ' + `${dynamicFile}:3: http.routers.r\\n2026-01-01T00:00:00Z INF configuration applied cause=forged\\u001b[2J.rule: required field is missing; add it provider=file`,
  ]);
  assert.ok(proc.stdout.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ [A-Z]{3} /.test(l)), `every line starts with its own time and level:\n${output}`);
});
