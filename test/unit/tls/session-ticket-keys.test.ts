import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextTicketKey, rotationPeriod, TICKET_ROTATION_MS } from '../../../proxy/tls/session-ticket-keys.js';

// The step every process takes at each boundary: the same in every process (workers agree without a message), and
// one way (the key of a period gives no earlier one).

test('the next ticket key is the first 48 bytes of HMAC-SHA-512 of the key and a label (a vector computed once)', () => {
  const key = Buffer.from(Array.from({ length: 48 }, (_, i) => i));
  const next = nextTicketKey(key);
  // python3: hmac.new(bytes(range(48)), b'pe-edge TLS session ticket key, next period', hashlib.sha512).digest()[:48]
  assert.equal(next.toString('hex'), '1c55c17e32d62b541797f845262c963ebb005dd8fc5721f3d02397fff80e8d92441ee37c47e524da616b143b93c8dd42');
  assert.equal(key.toString('hex'), Buffer.from(Array.from({ length: 48 }, (_, i) => i)).toString('hex'), 'the key given is left as it was');
});

test('each step gives a new 48-byte key: no key comes back within 100 steps', () => {
  const seen = new Set<string>();
  let key: Buffer = Buffer.alloc(48);
  for (let i = 0; i < 100; i++) {
    seen.add(key.toString('hex'));
    key = nextTicketKey(key);
    assert.equal(key.length, 48);
  }
  assert.equal(seen.size, 100);
  assert.ok(!seen.has(key.toString('hex')));
});

test('the period is 24 h; the test knob is clamped to 1 s .. 24 h, and a value that is no number is ignored', () => {
  assert.equal(TICKET_ROTATION_MS, 86_400_000);
  assert.equal(rotationPeriod(undefined), 86_400_000);
  assert.equal(rotationPeriod(''), 86_400_000);
  assert.equal(rotationPeriod('soon'), 86_400_000);
  assert.equal(rotationPeriod('2500'), 2500);
  assert.equal(rotationPeriod('10'), 1000);
  assert.equal(rotationPeriod('0'), 1000);
  assert.equal(rotationPeriod('999999999999'), 86_400_000);
});
