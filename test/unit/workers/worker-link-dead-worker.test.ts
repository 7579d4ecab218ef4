// The primary's link to its workers when a worker is dead but the primary has not heard so yet (a kill -9, an OOM
// kill): its IPC pipe is closed, so a write to it fails with EPIPE, and node:cluster emits that as an 'error' on the
// Worker, which ends the primary (and with it every worker) when nothing listens. A scrape (collectEvery), a relayed
// health or traffic message (tell) or an answer can meet such a worker.
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { WorkersLink } from '../../../operator/workers/worker-link.js';

const dir = mkdtempSync(join(tmpdir(), 'worker-link-'));
// A worker that says it serves, then waits.
writeFileSync(join(dir, 'worker.cjs'), "process.send({ type: 'pe-edge:started' }); setInterval(() => {}, 60_000);\n");
const link = new WorkersLink();
before(() => cluster.setupPrimary({ exec: join(dir, 'worker.cjs') }));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A started worker, killed with SIGKILL; returns once the kernel made it a zombie, before the primary's loop hears. */
async function deadUnnoticedWorker(): Promise<Worker> {
  const worker = cluster.fork();
  await new Promise<void>((resolve) => link.whenStarted((w) => w === worker && resolve()));
  const pid = worker.process.pid as number;
  process.kill(pid, 'SIGKILL');
  // Synchronously: the event loop must not see the pipe close before the primary writes to it.
  const until = Date.now() + 2000;
  while (Date.now() < until && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))) { /* spin */ }
  assert.equal(worker.isConnected(), true, 'the primary has not heard of the death yet');
  return worker;
}

it('telling a worker that died unnoticed costs nothing: the primary lives on', async () => {
  const worker = await deadUnnoticedWorker();
  link.tell(worker, 'health', { up: true });
  await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  await new Promise((r) => setTimeout(r, 50));
});

it('a scrape that asks a worker that died unnoticed leaves it out, and the primary lives on', async () => {
  const worker = await deadUnnoticedWorker();
  const started = Date.now();
  assert.deepEqual(await link.collectEvery('metrics:mine', null, 5000), []);
  assert.ok(Date.now() - started < 4000, 'not left to the timeout');
  await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  await new Promise((r) => setTimeout(r, 50));
});
