// Traefik's third source of static configuration: `TRAEFIK_*` environment variables, used when there is no
// configuration file and no flag (as `environment:` in a compose file sets them), and said to be ignored otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { startBackend } from '../../support/backends.js';
import { httpGet } from '../../support/load-client.js';

test('TRAEFIK_* variables configure entrypoints, the file provider and the log when there is no traefik.yml and no flag', async (t) => {
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const backend = await startBackend('env-app');
  t.after(() => backend.close());
  const dynamic = dir.write('dynamic.yml', [
    'http:',
    '  routers:',
    '    app: { rule: "Host(`env.test`)", service: app, entryPoints: [edge] }',
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
  ].join('\n') + '\n');
  const port = await freePort();
  const proc = new CliProcess([], {
    cwd: dir.path,
    env: {
      TRAEFIK_ENTRYPOINTS_EDGE_ADDRESS: `127.0.0.1:${port}`,
      TRAEFIK_PROVIDERS_FILE_FILENAME: dynamic,
      TRAEFIK_LOG_FORMAT: 'json',
      TRAEFIK_LOG_LEVEL: 'INFO',
    },
  });
  t.after(() => proc.stop());
  await proc.waitListening(1, 15_000);
  const r = await httpGet(`http://127.0.0.1:${port}/`, { host: 'env.test' });
  assert.equal(r.status, 200, proc.output());
  assert.match(r.body, /env-app/);
});

test('a TRAEFIK_* variable naming no option is an error naming the variable\'s option, as a flag would be', async (t) => {
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const result = await runCli([], { cwd: dir.path, env: { TRAEFIK_ENTRYPOINTS_WEB_ADRESS: '127.0.0.1:0' } });
  const output = [...result.stdout, ...result.stderr].join('\n');
  assert.notEqual(result.code, 0, output);
  assert.match(output, /environment variable TRAEFIK_ENTRYPOINTS_WEB_ADRESS: entryPoints\.web\.adress: unknown key/);
  assert.match(output, /adress/i);
  assert.match(output, /address/, 'the suggestion');
});

test('with a traefik.yml, TRAEFIK_* variables are ignored as Traefik ignores them, and pe-edge says so by name', async (t) => {
  const dir = new TempConfigDir();
  t.after(() => dir.remove());
  const port = await freePort();
  const other = await freePort();
  dir.write('traefik.yml', staticYaml({ entryPoints: { web: port } }));
  const proc = new CliProcess([], { cwd: dir.path, env: { TRAEFIK_ENTRYPOINTS_OTHER_ADDRESS: `127.0.0.1:${other}` } });
  t.after(() => proc.stop());
  await proc.waitListening(1, 15_000);
  await proc.waitForLine('TRAEFIK_ENTRYPOINTS_OTHER_ADDRESS ignored', 5000);
  await assert.rejects(httpGet(`http://127.0.0.1:${other}/`), 'no entrypoint from the environment');
});
