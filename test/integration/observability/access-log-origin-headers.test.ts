// The json access log's `origin_<Name>` fields (the server's response head as it came, before middlewares) beside
// `downstream_<Name>` (what the client got), and accessLog.bufferingSize, through the CLI as a Traefik user
// configures them: traefik.yml + dynamic.yml, a file access log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startBackend } from '../../support/backends.js';
import { CliProcess, freePort, runCli, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

type Line = Record<string, string | number>;

async function linesOf(file: string, count: number): Promise<Line[]> {
  const deadline = Date.now() + 5000;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= count) return lines.map((l) => JSON.parse(l) as Line);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${file}: ${lines.length} lines, expected ${count}`);
}

const fieldsOf = (line: Line, prefix: string): Record<string, string | number> =>
  Object.fromEntries(Object.entries(line).filter(([k]) => k.startsWith(prefix)));

test('accessLog json: origin_<Name> holds the server\'s headers as they came (modes applied, hop-by-hop gone), downstream_<Name> what the headers middleware made of them; bufferingSize keeps every line, in order', async (t) => {
  const backend = await startBackend('app', (_req, res) => {
    res.setHeader('X-App', 'one');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Secret', 's3cret');
    res.setHeader('X-Dropped', 'd');
    res.setHeader('Set-Cookie', 'sid=1');
    res.setHeader('X-Hop', 'gone');
    res.setHeader('Connection', 'X-Hop');
    res.end('page');
  });
  const dir = new TempConfigDir();
  const web = await freePort();
  const closed = await freePort();
  const log = dir.file('access.log');
  const dynamicFile = dir.write('dynamic.yml', [
    'http:',
    '  routers:',
    '    app: { rule: "Path(`/page`) || PathPrefix(`/n`)", service: app, middlewares: [edge] }',
    '    down: { rule: "Path(`/down`)", service: down }',
    '  middlewares:',
    '    edge: { headers: { customResponseHeaders: { X-App: changed, X-Edge: added, Cache-Control: "" } } }',
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${backend.url}" }] } }`,
    `    down: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${closed}" }] } }`,
  ].join('\n') + '\n');
  dir.write('traefik.yml', staticYaml({
    entryPoints: { web },
    dynamicFile,
    extra: [
      'accessLog:',
      `  filePath: ${JSON.stringify(log)}`,
      '  format: json',
      '  bufferingSize: 3',
      '  fields:',
      '    headers:',
      '      defaultMode: keep',
      '      names: { X-Secret: redact, X-Dropped: drop, Set-Cookie: keep }',
    ].join('\n'),
  }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
  t.after(async () => {
    await proc.stop();
    await backend.close();
    dir.remove();
  });
  await proc.waitListening(1, 15_000);
  await proc.waitForLine('configuration applied', 10_000);

  const page = await httpGet(`http://127.0.0.1:${web}/page`);
  assert.equal(page.status, 200);
  assert.equal((await httpGet(`http://127.0.0.1:${web}/down`)).status, 502);
  for (const path of ['/n1', '/n2', '/n3', '/n4']) assert.equal((await httpGet(`http://127.0.0.1:${web}${path}`)).status, 200);

  const lines = await linesOf(log, 6);
  assert.deepEqual(lines.map((l) => l.RequestPath), ['/page', '/down', '/n1', '/n2', '/n3', '/n4'], 'every request, once, in order');
  const [first, down] = lines as [Line, Line];
  assert.deepEqual(fieldsOf(first, 'origin_'), {
    'origin_Cache-Control': 'no-store',
    'origin_Content-Length': '4',
    'origin_Date': String(first['origin_Date']),
    'origin_Set-Cookie': 'sid=1',
    'origin_X-App': 'one',
    'origin_X-Secret': 'REDACTED',
  }, 'the server\'s own head: no X-Edge, no Connection or the X-Hop it lists, X-Dropped dropped');
  assert.equal(first['downstream_X-App'], 'changed');
  assert.equal(first['downstream_X-Edge'], 'added');
  assert.equal(first['downstream_Cache-Control'], undefined, 'removed by the middleware on the way out');
  assert.deepEqual(fieldsOf(down, 'origin_'), {}, 'no server answered');
  assert.equal(down.DownstreamStatus, 502);
  assert.doesNotMatch(proc.output(), /bufferingSize/, 'implemented: no "not implemented" warning');
});

test('accessLog.bufferingSize below 0 is a configuration error naming the option (Go panics on a negative channel size)', async () => {
  const dir = new TempConfigDir();
  try {
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: 8081 }, extra: 'accessLog:\n  bufferingSize: -1' }));
    const checked = await runCli(['check', '--configFile=traefik.yml'], { cwd: dir.path, timeoutMs: 20_000 });
    assert.notEqual(checked.code, 0);
    assert.match([...checked.stdout, ...checked.stderr].join('\n'), /accessLog\.bufferingSize.*bufferingSize must be 0 or more/);
  } finally {
    dir.remove();
  }
});
