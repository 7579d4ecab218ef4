// What a provider's message costs a running `pe-edge`: one that leaves the dynamic configuration as it was
// rebuilds nothing (a DEBUG line, no INFO "configuration applied"); with `providersThrottleDuration` set, a
// burst of changes is applied at most twice (at once, then the latest at the window's end) and the last wins.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, TempConfigDir } from '../../support/cli-process.js';
import { dynamicYaml } from '../../support/dynamic-yaml.js';
import { httpGet, pollUntil } from '../../support/load-client.js';

function edgeYaml(port: number, dynamicFile: string, providers: string[] = []): string {
  return [
    'entryPoints:',
    '  web:',
    `    address: "127.0.0.1:${port}"`,
    'providers:',
    ...providers,
    '  file:',
    `    filename: ${JSON.stringify(dynamicFile)}`,
    'log:',
    '  level: DEBUG',
    '  format: json',
    '',
  ].join('\n');
}

/** One running edge on a watched dynamic.yml; `applied(from)` counts "configuration applied" lines since a mark. */
function edgeOnFile(providers: string[] = []) {
  const dir = new TempConfigDir();
  const dynamicFile = dir.file('dynamic.yml');
  const edge = {
    proc: undefined as unknown as CliProcess,
    port: 0,
    url: (): string => `http://127.0.0.1:${edge.port}/`,
    async start(initial: string): Promise<void> {
      edge.port = await freePort();
      writeFileSync(dynamicFile, initial);
      dir.write('traefik.yml', edgeYaml(edge.port, dynamicFile, providers));
      edge.proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
      await edge.proc.waitListening(1);
    },
    /** Rewrites dynamic.yml; returns the log mark before it. */
    write(content: string): number {
      const mark = edge.proc.stdout.length;
      writeFileSync(dynamicFile, content);
      return mark;
    },
    applied(from: number): number {
      return edge.proc.stdout.slice(from).filter((l) => l.includes('"configuration applied"')).length;
    },
    async stop(): Promise<void> {
      await edge.proc?.stop();
      dir.remove();
    },
  };
  return edge;
}

describe('a provider message that changes nothing rebuilds nothing', () => {
  const edge = edgeOnFile();
  let a: Backend;
  let b: Backend;
  before(async () => {
    a = await startBackend('A');
    b = await startBackend('B');
    await edge.start(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' } }, { sa: [a.url] }));
  });
  after(async () => {
    await edge.stop();
    await Promise.all([a, b].map((x) => x?.close()));
  });

  it('the same configuration written in another order is a DEBUG line, not an INFO "configuration applied"; a real change after it applies', async () => {
    // Services before routers, keys of the router swapped, a comment: another file, the same configuration.
    const reordered = ['# reordered by hand', 'http:', '  services:', '    sa:', '      loadBalancer:', '        servers:', `          - url: ${a.url}`, '  routers:', '    a:', '      service: sa', '      rule: "Host(`a.test`)"', ''].join('\n');
    const mark = edge.write(reordered);
    await edge.proc.waitForLine((l) => l.includes('configuration unchanged; nothing rebuilt'), 3000, mark);
    const line = JSON.parse(edge.proc.stdout.slice(mark).find((l) => l.includes('configuration unchanged')) as string) as { level: string };
    assert.equal(line.level, 'debug');

    edge.write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' } }, { sa: [b.url] }));
    const changed = await pollUntil(edge.url(), (r) => r.body === 'B', { host: 'a.test', timeoutMs: 3000 });
    assert.ok(changed.ok, `the real change applies: last ${JSON.stringify(changed.last)}`);
    await edge.proc.waitForLine('"configuration applied"', 3000, mark);
    assert.equal(edge.applied(mark), 1, 'one rebuild: the real change, none for the reordered file');
  });
});

describe('providersThrottleDuration coalesces a burst of changes', () => {
  const THROTTLE_MS = 2000;
  const edge = edgeOnFile([`  providersThrottleDuration: ${THROTTLE_MS}ms`]);
  let a: Backend;
  let b: Backend;
  /** Version i: router r<i> on Host r<i>.test to A; the last version sends a.test to B as well. */
  const version = (i: number, last: boolean): string =>
    dynamicYaml({ a: { rule: 'Host(`a.test`)', service: last ? 'sb' : 'sa' }, [`r${i}`]: { rule: `Host(\`r${i}.test\`)`, service: 'sa' } }, { sa: [a.url], sb: [b.url] });
  before(async () => {
    a = await startBackend('A');
    b = await startBackend('B');
    await edge.start(version(0, false));
  });
  after(async () => {
    await edge.stop();
    await Promise.all([a, b].map((x) => x?.close()));
  });

  it('six rewrites 100 ms apart within the window: one or two rebuilds, and the last content serves', async () => {
    // The start-up configuration opened a window: let it close, so the burst's first change goes at once.
    await new Promise((r) => setTimeout(r, THROTTLE_MS + 200));
    const mark = edge.proc.stdout.length;
    const N = 6;
    for (let i = 1; i <= N; i++) {
      edge.write(version(i, i === N));
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = await pollUntil(edge.url(), (r) => r.body === 'B', { host: 'a.test', timeoutMs: THROTTLE_MS + 3000 });
    assert.ok(last.ok, `the last version serves: last ${JSON.stringify(last.last)}`);
    assert.equal((await httpGet(edge.url(), { host: `r${N}.test` })).status, 200, 'the last version\'s router');
    assert.equal((await httpGet(edge.url(), { host: `r${N - 1}.test` })).status, 404, 'an earlier version\'s router is gone');
    // Nothing more comes: the window after the last rebuild holds nothing.
    await new Promise((r) => setTimeout(r, THROTTLE_MS + 200));
    const rebuilds = edge.applied(mark);
    assert.ok(rebuilds >= 1 && rebuilds <= 2, `${rebuilds} rebuilds for ${N} changes within ${THROTTLE_MS} ms`);
  });
});
