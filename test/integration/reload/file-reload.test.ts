// Live reconfiguration through the watched dynamic file of a running `pe-edge`: edits apply within
// a second without a restart, bad edits keep the last good configuration, bad items are left out alone.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startBackend, type Backend } from '../../support/backends.js';
import { CliProcess, freePort, staticYaml, TempConfigDir } from '../../support/cli-process.js';
import { dynamicYaml } from '../../support/dynamic-yaml.js';
import { httpGet, pollUntil } from '../../support/load-client.js';

describe('pe-edge reloads the watched dynamic file', () => {
  const dir = new TempConfigDir();
  const dynamicFile = dir.file('dynamic.yml');
  let proc: CliProcess;
  let port = 0;
  let a: Backend;
  let b: Backend;
  let c: Backend;
  let slow: Backend;
  const url = (path = '/'): string => `http://127.0.0.1:${port}${path}`;
  /** Rewrites the dynamic file and returns the stdout line count, to look for log lines after it. */
  const write = (content: string): number => {
    const mark = proc.stdout.length;
    writeFileSync(dynamicFile, content);
    return mark;
  };

  before(async () => {
    a = await startBackend('A');
    b = await startBackend('B');
    c = await startBackend('C');
    slow = await startBackend('slow', (_req, res) => {
      setTimeout(() => res.end('slow done'), 700);
    });
    port = await freePort();
    writeFileSync(dynamicFile, dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' } }, { sa: [a.url] }));
    dir.write('traefik.yml', staticYaml({ entryPoints: { web: port }, dynamicFile }));
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(1);
  });
  after(async () => {
    await proc.stop();
    await Promise.all([a, b, c, slow].map((x) => x?.close()));
    dir.remove();
  });

  it('adding a router and changing a service\'s server apply within 1 s, without a restart', async () => {
    assert.equal((await httpGet(url(), { host: 'a.test' })).body, 'A');
    assert.equal((await httpGet(url(), { host: 'b.test' })).status, 404);

    write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' }, b: { rule: 'Host(`b.test`)', service: 'sb' } }, { sa: [a.url], sb: [b.url] }));
    const added = await pollUntil(url(), (r) => r.status === 200 && r.body === 'B', { host: 'b.test', timeoutMs: 3000 });
    assert.ok(added.ok, `new router b serves: last ${JSON.stringify(added.last)}`);
    assert.ok(added.elapsedMs < 1000, `applied after ${added.elapsedMs} ms`);

    write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' }, b: { rule: 'Host(`b.test`)', service: 'sb' } }, { sa: [c.url], sb: [b.url] }));
    const changed = await pollUntil(url(), (r) => r.status === 200 && r.body === 'C', { host: 'a.test', timeoutMs: 3000 });
    assert.ok(changed.ok, `service sa now uses C: last ${JSON.stringify(changed.last)}`);
    assert.ok(changed.elapsedMs < 1000, `applied after ${changed.elapsedMs} ms`);

    assert.equal(proc.exit, undefined, 'still the same process');
    assert.equal(proc.messages().filter((m) => m === 'pe-edge starting').length, 1, 'started once');
  });

  it('invalid YAML keeps the last good configuration serving, logs file:line, and a fix applies again', async () => {
    write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' } }, { sa: [a.url] }));
    assert.ok((await pollUntil(url(), (r) => r.body === 'A', { host: 'a.test', timeoutMs: 3000 })).ok);

    const mark = write('http:\n  routers:\n    a:\n      rule: [unclosed\n      service: sa\n');
    const line = await proc.waitForLine((l) => l.includes('"error"') && l.includes('dynamic.yml:'), 3000, mark);
    const message = String((JSON.parse(line) as { message: string }).message);
    assert.match(message, /dynamic\.yml:\d+(:\d+)?: /, 'the error names the file and line');
    assert.match(message, /keeping the last good configuration/);
    for (let i = 0; i < 5; i++) {
      const r = await httpGet(url(), { host: 'a.test' });
      assert.deepEqual([r.status, r.body], [200, 'A'], 'the last good configuration keeps serving');
    }

    write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' } }, { sa: [b.url] }));
    const fixed = await pollUntil(url(), (r) => r.body === 'B', { host: 'a.test', timeoutMs: 3000 });
    assert.ok(fixed.ok, `the fixed file applies: last ${JSON.stringify(fixed.last)}`);
    assert.ok(fixed.elapsedMs < 1000, `applied after ${fixed.elapsedMs} ms`);
  });

  it('a bad rule or an unknown service leaves that router out with an error naming it; the others serve', async () => {
    const mark = write(
      dynamicYaml(
        {
          good: { rule: 'Host(`good.test`)', service: 'sa' },
          'bad-rule': { rule: "Host('bad.test')", service: 'sa' },
          'no-service': { rule: 'Host(`ns.test`)', service: 'missing' },
          other: { rule: 'Host(`other.test`)', service: 'sb' },
        },
        { sa: [a.url], sb: [b.url] },
      ),
    );
    assert.ok((await pollUntil(url(), (r) => r.body === 'A', { host: 'good.test', timeoutMs: 3000 })).ok, 'the good router applies');
    await proc.waitForLine('configuration applied', 3000, mark);
    const errors = proc.logs().slice(0).filter((r) => r.level === 'error').map((r) => String(r.message));
    const badRule = errors.filter((m) => m.includes('"bad-rule@file"'));
    const noService = errors.filter((m) => m.includes('"no-service@file"'));
    assert.equal(badRule.length, 1, `one error for bad-rule@file: ${JSON.stringify(errors)}`);
    assert.match(badRule[0] as string, /rule/);
    assert.equal(noService.length, 1, `one error for no-service@file: ${JSON.stringify(errors)}`);
    assert.match(noService[0] as string, /missing/);
    assert.ok(!errors.some((m) => m.includes('"good@file"') || m.includes('"other@file"')), 'good routers are not reported');

    assert.deepEqual([(await httpGet(url(), { host: 'good.test' })).body, (await httpGet(url(), { host: 'other.test' })).body], ['A', 'B']);
    assert.equal((await httpGet(url(), { host: 'bad.test' })).status, 404, 'the bad router is left out');
    assert.equal((await httpGet(url(), { host: 'ns.test' })).status, 404, 'the router without a service is left out');
  });

  it('a slow request in flight when a reload removes its router still completes with 200', async () => {
    write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' }, slow: { rule: 'Host(`slow.test`)', service: 'sslow' } }, { sa: [a.url], sslow: [slow.url] }));
    assert.ok((await pollUntil(url(), (r) => r.status === 200, { host: 'a.test', timeoutMs: 3000 })).ok);
    // the slow router is there when the request starts
    const seenBefore = slow.seen.length;
    const deadline = Date.now() + 3000;
    let inFlight: Promise<{ status: number; body: string }> | undefined;
    while (Date.now() < deadline) {
      inFlight = httpGet(url(), { host: 'slow.test', timeoutMs: 5000 });
      const started = Date.now();
      while (slow.seen.length === seenBefore && Date.now() - started < 300) await new Promise((r) => setTimeout(r, 5));
      if (slow.seen.length > seenBefore) break;
      await inFlight.catch(() => undefined); // not routed yet (404): try again
    }
    assert.ok(slow.seen.length > seenBefore && inFlight !== undefined, 'the slow request reached its backend');

    let doneAt = Infinity;
    void inFlight.then(() => (doneAt = Date.now()), () => (doneAt = Date.now()));
    // The reload removes the slow router and moves a.test to B, which shows when it applied.
    write(dynamicYaml({ a: { rule: 'Host(`a.test`)', service: 'sa' } }, { sa: [b.url] }));
    const applied = await pollUntil(url(), (r) => r.body === 'B', { host: 'a.test', timeoutMs: 3000 });
    assert.ok(applied.ok, 'the reload applied');
    assert.ok(Date.now() < doneAt, 'the reload applied while the slow request was still in flight');
    const reply = await inFlight;
    assert.deepEqual([reply.status, reply.body], [200, 'slow done'], 'the request started before the reload completes');
    assert.equal((await httpGet(url(), { host: 'slow.test' })).status, 404, 'its router is gone for new requests');
  });
});
