// logrotate's way through the CLI: the access log file is renamed, SIGUSR1 makes pe-edge reopen its path
// (as Traefik does), and the next lines go to the new file while the renamed one keeps the old lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { startBackend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

async function linesOf(file: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= count) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${file}: ${lines.length} lines, expected ${count}`);
}

test('SIGUSR1 reopens accessLog.filePath: lines after a rename go to a new file', async (t) => {
  const backend = await startBackend('app', (_req, res) => res.end('app'));
  const dir = new TempConfigDir();
  const web = await freePort();
  const log = dir.file('access.log');
  const dynamicFile = dir.write('dynamic.yml', `http:\n  routers:\n    app:\n      rule: PathPrefix(\`/\`)\n      service: app\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: ${backend.url}\n`);
  dir.write('traefik.yml', staticYaml({ entryPoints: { web }, dynamicFile, extra: `accessLog:\n  format: json\n  filePath: ${JSON.stringify(log)}` }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  t.after(async () => {
    await proc.stop();
    await backend.close();
    dir.remove();
  });
  await proc.waitListening(1);
  await proc.waitForLine('configuration applied');
  assert.equal((await httpGet(`http://127.0.0.1:${web}/before`)).status, 200);
  await linesOf(log, 1);
  renameSync(log, `${log}.1`);
  proc.signal('SIGUSR1');
  await proc.waitForLine('SIGUSR1: access log file reopened');
  assert.equal((await httpGet(`http://127.0.0.1:${web}/after`)).status, 200);
  const fresh = await linesOf(log, 1);
  assert.deepEqual(fresh.map((l) => (JSON.parse(l) as { RequestPath: string }).RequestPath), ['/after']);
  assert.deepEqual((await linesOf(`${log}.1`, 1)).map((l) => (JSON.parse(l) as { RequestPath: string }).RequestPath), ['/before']);
  assert.equal(proc.exit, undefined, 'still running');
  assert.doesNotMatch(proc.output(), /Debugger listening/, "SIGUSR1 does not open node's inspector");
});
