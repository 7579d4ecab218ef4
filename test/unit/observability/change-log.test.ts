// The dashboard's change log: names added, removed, failing and recovered between applied runtimes, bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChangeLog } from '../../../proxy/observability/change-log.js';
import type { ItemStatus } from '../../../proxy/runtime/status.js';

function item(kind: ItemStatus['kind'], name: string, errors: string[] = [], status: ItemStatus['status'] = errors.length > 0 ? 'disabled' : 'enabled'): ItemStatus {
  return { kind, name, status, errors, usedBy: [], using: [] };
}

test('the first configuration: everything added, failures listed with their errors', () => {
  const log = new ChangeLog({ now: () => Date.UTC(2026, 0, 1) });
  const change = log.applied([item('router', 'web@file'), item('router', 'bad@file', ['middleware "autth@file" does not exist']), item('service', 'app@file')], { cause: 'file' });
  assert.ok(change !== null);
  assert.equal(change.at, '2026-01-01T00:00:00.000Z');
  assert.equal(change.cause, 'file');
  assert.deepEqual(change.added.map((i) => i.name), ['web@file', 'bad@file', 'app@file']);
  assert.deepEqual(change.failed, [{ kind: 'router', name: 'bad@file', errors: ['middleware "autth@file" does not exist'] }]);
  assert.deepEqual(log.entries(), [change]);
});

test('a later configuration: removed, added, recovered, newly failing; the cause and container kept', () => {
  const log = new ChangeLog();
  log.applied([item('router', 'web@file'), item('router', 'bad@file', ['x']), item('service', 'old@docker')], { cause: 'file' });
  const change = log.applied(
    [item('router', 'web@file', ['entryPoint "nope" doesn\'t exist'], 'warning'), item('router', 'bad@file'), item('service', 'new@docker')],
    { cause: 'docker start 0123456789ab', container: 'app-2' },
  );
  assert.ok(change !== null);
  assert.equal(change.container, 'app-2');
  assert.deepEqual(change.added, [{ kind: 'service', name: 'new@docker' }]);
  assert.deepEqual(change.removed, [{ kind: 'service', name: 'old@docker' }]);
  assert.deepEqual(change.recovered, [{ kind: 'router', name: 'bad@file' }]);
  assert.deepEqual(change.failed.map((f) => [f.name, f.errors]), [['web@file', ['entryPoint "nope" doesn\'t exist']]]);
  assert.equal(log.entries()[0], change, 'newest first');
});

test('a configuration that changed nothing is not kept; the same failure is not repeated', () => {
  const log = new ChangeLog();
  const items = [item('router', 'bad@file', ['x'])];
  assert.ok(log.applied(items, { cause: 'file' }) !== null);
  assert.equal(log.applied(items, { cause: 'file' }), null);
  assert.equal(log.entries().length, 1);
  const other = log.applied([item('router', 'bad@file', ['y'])], { cause: 'file' });
  assert.deepEqual(other?.failed.map((f) => f.errors), [['y']], 'another error on the same item is a new failure');
});

test('provider problems (label typos with their suggestion): new ones are a change, current ones are listed', () => {
  const log = new ChangeLog();
  const typo = { provider: 'docker', severity: 'error' as const, container: 'app-1', message: 'container app-1: label traefik.http.routers.app.rulle: unknown key; did you mean "rule"?' };
  log.applied([], { cause: 'docker sync' }, []);
  const change = log.applied([], { cause: 'docker start 0123456789ab' }, [typo, typo]);
  assert.deepEqual(change?.problems, [typo]);
  assert.deepEqual(log.problems(), [typo, typo]);
  assert.equal(log.applied([], { cause: 'file' }, [typo]), null, 'a problem already known is no change');
  const fixed = log.applied([], { cause: 'docker die 0123456789ab' }, []);
  assert.equal(fixed, null, 'a problem gone is not listed as a change, but leaves the current list');
  assert.deepEqual(log.problems(), []);
});

test('the list is bounded: the oldest entries go', () => {
  const log = new ChangeLog({ limit: 3 });
  for (let i = 0; i < 10; i++) log.applied([item('router', `r${i}@file`)], { cause: `file ${i}` });
  assert.deepEqual(log.entries().map((c) => c.cause), ['file 9', 'file 8', 'file 7']);
});
