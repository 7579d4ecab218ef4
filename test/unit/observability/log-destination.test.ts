import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundedDestination, droppedLogLines } from '../../../proxy/observability/log-destination.js';
import { createPrometheusMetrics } from '../../../proxy/observability/metrics.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a non-blocking FIFO until its writer closed it. */
async function drain(fd: number): Promise<string> {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await sleep(5);
      continue;
    }
    if (n === 0) return Buffer.concat(chunks).toString();
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
}

test('a log whose reader stalls holds at most its budget and drops whole lines beyond it, counted on /metrics', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pe-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'stalled');
  execFileSync('mkfifo', [fifo]);
  // A reader that takes nothing yet: the pipe fills (64 KiB), then the destination's own queue.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => closeSync(reader));
  const before = droppedLogLines.access;
  const budget = 256 * 1024;
  const log = boundedDestination(fifo, 'access', budget);
  await new Promise((resolve) => log.once('ready', resolve));
  const line = (i: number): string => `${String(i).padStart(8, '0')} ${'x'.repeat(1014)}\n`; // 1 KiB each
  for (let i = 0; i < 2048; i++) {
    log.write(line(i));
    if (i % 256 === 0) await sleep(5); // let the first writes reach the pipe
  }
  const dropped = droppedLogLines.access - before;
  assert.ok(dropped >= 2048 - (budget + 128 * 1024) / 1024, `2 MiB written over a 256 KiB budget: ${dropped} lines dropped`);

  const metrics = createPrometheusMetrics({ buckets: [0.1], addEntryPointsLabels: false, addRoutersLabels: false, addServicesLabels: false, headerLabels: {}, addInternals: false });
  assert.match(await metrics.registry.metrics(), new RegExp(`pe_edge_log_lines_dropped_total\\{log="access"\\} ${droppedLogLines.access}\\n`));

  // The reader comes back: what was kept arrives, in whole lines, in order.
  log.end();
  const text = await drain(reader);
  const lines = text.split('\n').slice(0, -1);
  assert.equal(lines.length + dropped, 2048, 'every line was either written or counted as dropped');
  assert.ok(text.length <= budget + 128 * 1024, `${text.length} bytes kept for a ${budget}-byte budget`);
  let last = -1;
  for (const l of lines) {
    assert.equal(l.length, 1023, 'whole lines only');
    const n = Number(l.slice(0, 8));
    assert.ok(n > last, 'in order');
    last = n;
  }
});
