import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassedCredentials } from '../../../proxy/middlewares/auth/passed-credentials.js';

test('passed credentials: a header is known by its digest only after it passed, and as the user it passed as', () => {
  const passed = new PassedCredentials();
  const header = 'Basic ' + Buffer.from('alice:secret').toString('base64');
  const digest = passed.digestOf(header);
  assert.equal(passed.userFor(digest), undefined);
  passed.remember(digest, 'alice');
  assert.equal(passed.userFor(passed.digestOf(header)), 'alice');
  // One character more or less, or another case of the scheme, is another header.
  assert.equal(passed.userFor(passed.digestOf(header + '=')), undefined);
  assert.equal(passed.userFor(passed.digestOf(header.replace('Basic', 'basic'))), undefined);
  assert.ok(!digest.includes('secret') && !digest.includes(Buffer.from('alice:secret').toString('base64')), 'the digest, not the header, is kept');
});

test('passed credentials: a full memo starts over, so a flood of good headers holds at most its capacity', () => {
  const passed = new PassedCredentials(2);
  const digests = ['a', 'b', 'c'].map((u) => passed.digestOf(`Basic ${u}`));
  digests.forEach((d, i) => passed.remember(d, `user${i}`));
  assert.equal(passed.userFor(digests[0] as string), undefined);
  assert.equal(passed.userFor(digests[2] as string), 'user2');
});
