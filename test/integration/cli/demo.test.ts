// Issue 2, point 1: `npm start` (pe-edge demo) serves the bundled example, load-balanced in turn across the
// demo backends app1..app3 it starts itself, and stops cleanly on Ctrl-C.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliProcess, freePort } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

test('pe-edge demo: app1, app2, app3 in turn behind the example config; SIGINT stops it with exit 0', async (t) => {
  const port = await freePort();
  const proc = new CliProcess(['demo', `--entryPoints.web.address=127.0.0.1:${port}`, '--log.format=json'], { cwd: REPO });
  t.after(() => proc.stop());
  await proc.waitListening(1, 15_000);
  const bodies: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await httpGet(`http://127.0.0.1:${port}/`);
    assert.equal(r.status, 200, proc.output());
    bodies.push(/app\d/.exec(r.body)?.[0] ?? r.body);
  }
  const turn = bodies.slice(0, 3);
  assert.deepEqual([...turn].sort(), ['app1', 'app2', 'app3'], bodies.join(' '));
  assert.deepEqual(bodies.slice(3), turn, 'strict rotation');
  proc.signal('SIGINT');
  const exit = await proc.waitExit(10_000);
  assert.equal(exit.code, 0, proc.output());
});
