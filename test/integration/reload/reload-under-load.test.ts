// 50 rewrites of the watched dynamic file of a running `pe-edge` while 8 keep-alive clients send
// requests without pause: not one request may fail.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { dynamicYaml } from '../../support/dynamic-yaml.js';
import { describeStats, httpGet, startLoad } from '../../support/load-client.js';

const RELOADS = 50;

describe('pe-edge under load while its dynamic file is rewritten', () => {
  const dir = new TempConfigDir();
  const backends: Backend[] = [];
  let proc: CliProcess | undefined;
  after(async () => {
    await proc?.stop();
    await Promise.all(backends.map((b) => b.close()));
    dir.remove();
  });

  it(`${RELOADS} reloads ~50 ms apart, 8 concurrent keep-alive clients: every response is a 200 from a backend`, async () => {
    backends.push(await startBackend('app1'), await startBackend('app2'));
    const [one, two] = backends as [Backend, Backend];
    const port = await freePort();
    const dynamicFile = dir.file('dynamic.yml');
    // Two equivalent configurations: server order swapped and a harmless priority change.
    const configs = [
      dynamicYaml({ app: { rule: 'Host(`app.test`)', service: 'app' }, other: { rule: 'Host(`other.test`)', service: 'app' } }, { app: [one.url, two.url] }),
      dynamicYaml({ app: { rule: 'Host(`app.test`)', service: 'app', priority: 50 }, other: { rule: 'Host(`other.test`)', service: 'app' } }, { app: [two.url, one.url] }),
    ] as const;
    writeFileSync(dynamicFile, configs[0]);
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: port }, dynamicFile }));
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(1);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`, { host: 'app.test' })).status, 200);
    const appliedBefore = proc.messages().filter((m) => m === 'configuration applied').length;

    const load = startLoad(`http://127.0.0.1:${port}/`, { host: 'app.test', concurrency: 8 });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 1; i <= RELOADS; i++) {
      writeFileSync(dynamicFile, configs[i % 2] as string);
      await new Promise((r) => setTimeout(r, 40 + Math.floor(Math.random() * 21)));
    }
    await new Promise((r) => setTimeout(r, 300));
    const stats = await load.stop();

    assert.equal(stats.errors.length, 0, describeStats(stats));
    assert.equal(stats.bad.size, 0, describeStats(stats));
    assert.equal(stats.ok, stats.total, describeStats(stats));
    assert.ok(stats.total > 200, `enough requests ran during the reloads: ${describeStats(stats)}`);
    for (const body of stats.byBody.keys()) assert.ok(body === 'app1' || body === 'app2', `answered by a backend: ${body}`);
    assert.ok((stats.byBody.get('app1') ?? 0) > 0 && (stats.byBody.get('app2') ?? 0) > 0, describeStats(stats));

    // The reloads did happen (the provider may coalesce writes that come faster than it reads).
    const applied = proc.messages().filter((m) => m === 'configuration applied').length - appliedBefore;
    assert.ok(applied >= RELOADS / 5, `${applied} configurations applied for ${RELOADS} rewrites`);
    assert.deepEqual(proc.messages('error'), []);
  });
});
