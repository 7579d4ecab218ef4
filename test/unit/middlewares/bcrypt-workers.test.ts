import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSync } from 'bcryptjs';
import { BcryptWorkers, MAX_WAITING } from '../../../proxy/middlewares/auth/bcrypt-workers.js';

const SETTINGS = '$2b$04$abcdefghijklmnopqrstuu';

test('bcrypt workers hash as bcryptjs does, on threads', async () => {
  const workers = new BcryptWorkers(2);
  const hashes = await Promise.all(['a', 'b', 'p\u00e9'].map((p) => workers.hash(p, SETTINGS)));
  assert.deepEqual(hashes, ['a', 'b', 'p\u00e9'].map((p) => hashSync(p, SETTINGS)));
});

test(`at most ${MAX_WAITING} checks wait: more are refused at once, and the pool serves again once drained`, async () => {
  const workers = new BcryptWorkers(1);
  const outcomes = await Promise.allSettled(Array.from({ length: MAX_WAITING + 10 }, (_, i) => workers.hash(`p${i}`, SETTINGS)));
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, MAX_WAITING);
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.equal(refused.length, 10);
  assert.match(String(refused[0]?.reason), /more than 256 bcrypt checks waiting/);
  assert.equal(await workers.hash('again', SETTINGS), hashSync('again', SETTINGS));
});

test('settings bcryptjs refuses reject the check instead of hanging it', async () => {
  const workers = new BcryptWorkers(1);
  await assert.rejects(workers.hash('x', '$2b$04$short'), /refused/);
});
