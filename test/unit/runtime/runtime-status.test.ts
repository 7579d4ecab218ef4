import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeStatus } from '../../../proxy/runtime/status.js';

// Items share one frozen empty list until they hold something: what one item gets must never show on another.

test('RuntimeStatus: errors and usedBy are per item, deduplicated, in arrival order; a critical error disables, others warn', () => {
  const status = new RuntimeStatus();
  for (const name of ['a@file', 'b@file', 'c@file']) status.declare('middleware', name);
  status.addError('middleware', 'a@file', 'first', false);
  status.addError('middleware', 'a@file', 'second', false);
  status.addError('middleware', 'a@file', 'first', false);
  status.addError('middleware', 'b@file', 'broken', true);
  status.addUsedBy('middleware', 'a@file', 'r1@file');
  status.addUsedBy('middleware', 'a@file', 'r2@file');
  status.addUsedBy('middleware', 'a@file', 'r1@file');
  status.addUsedBy('middleware', 'typo@file', 'r1@file');

  const view = (name: string) => {
    const item = status.get('middleware', name);
    return { status: item?.status, errors: item?.errors, usedBy: item?.usedBy };
  };
  assert.deepEqual(view('a@file'), { status: 'warning', errors: ['first', 'second'], usedBy: ['r1@file', 'r2@file'] });
  assert.deepEqual(view('b@file'), { status: 'disabled', errors: ['broken'], usedBy: [] });
  assert.deepEqual(view('c@file'), { status: 'enabled', errors: [], usedBy: [] });
  assert.equal(status.get('middleware', 'typo@file'), undefined, 'a name nothing declared gets no entry');
  assert.deepEqual(status.problems(), [
    { level: 'warn', kind: 'middleware', name: 'a@file', message: 'first' },
    { level: 'warn', kind: 'middleware', name: 'a@file', message: 'second' },
    { level: 'error', kind: 'middleware', name: 'b@file', message: 'broken' },
  ]);
});

test('RuntimeStatus: routers with the same entrypoints share one list; others keep theirs', () => {
  const status = new RuntimeStatus();
  status.setUsing('r1@file', ['web', 'websecure']);
  status.setUsing('r2@file', ['web', 'websecure']);
  status.setUsing('r3@file', ['web']);
  status.setUsing('r4@file', []);
  assert.deepEqual(status.get('router', 'r1@file')?.using, ['web', 'websecure']);
  assert.equal(status.get('router', 'r1@file')?.using, status.get('router', 'r2@file')?.using);
  assert.deepEqual(status.get('router', 'r3@file')?.using, ['web']);
  assert.deepEqual(status.get('router', 'r4@file')?.using, []);
  assert.deepEqual(status.all().map((i) => i.name), ['r1@file', 'r2@file', 'r3@file', 'r4@file'], 'declaration order');
});
